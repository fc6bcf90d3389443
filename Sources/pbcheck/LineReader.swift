import CEditLine
import Foundation

/// Reads the commands of an interactive session one line at a time.
///
/// On a terminal (stdin and stdout both TTYs) it reads through libedit's
/// readline-compatible API: a prompt, emacs-style line editing, history
/// (Up/Down; kept in `historyFile` across sessions when given) and Tab
/// completion through the `completions` callback. Otherwise it reads plain
/// lines from stdin and prints nothing, so a session can be piped in and
/// its output kept without prompts or escape codes.
///
/// libedit keeps its state in process-wide globals and calls back through C
/// function pointers that cannot capture, so the completion callback lives
/// in a global too (`Completion`): make one `LineReader` per process; the
/// last one made is the one that completes.
final class LineReader {
    /// Whether lines come through libedit (stdin and stdout are terminals).
    let isTerminal: Bool
    private let prompt: String
    private let historyPath: String?
    private var lastEntry: String?

    /// Entries kept in memory and in the history file.
    static let historySize: Int32 = 1000

    /// - Parameters:
    ///   - prompt: printed before each line on a terminal only.
    ///   - historyFile: where history is loaded from now and saved to after
    ///     each line, e.g. `~/.pbcheck_history`. A file that cannot be read
    ///     or written is ignored: history then lasts for this session only.
    ///   - completions: on Tab, called with the line before the word under
    ///     the cursor and that word (the word runs from the last space before
    ///     the cursor: `why fi|` gives `("why ", "fi")`, `|` gives `("", "")`).
    ///     It returns the candidates for that position; those that do not
    ///     start with the word are dropped. One left completes the word and
    ///     adds a space; several complete their common prefix, and a second
    ///     Tab lists them.
    init(prompt: String, historyFile: URL?, completions: @escaping (String, String) -> [String]) {
        self.prompt = prompt
        isTerminal = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        historyPath = isTerminal ? historyFile?.path : nil
        guard isTerminal else { return }
        // libedit reads multibyte input (UTF-8) only under the user's locale.
        setlocale(LC_CTYPE, "")
        Completion.provider = completions
        rl_readline_name = UnsafePointer(Completion.name)
        rl_basic_word_break_characters = UnsafePointer(Completion.breaks)
        rl_completer_word_break_characters = Completion.breaks
        rl_attempted_completion_function = attemptCompletion
        stifle_history(LineReader.historySize)
        if let historyPath { _ = read_history(historyPath) }
        if history_length > 0, let entry = history_get(history_base + history_length - 1)?.pointee.line {
            lastEntry = String(cString: entry)
        }
    }

    /// The next line without its newline, or nil at the end of input
    /// (Ctrl-D on an empty line). Output printed so far is flushed first.
    func readLine() -> String? {
        fflush(stdout)
        guard isTerminal else { return Swift.readLine(strippingNewline: true) }
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        remember(line)
        return line
    }

    /// Adds a non-blank line to the history unless it repeats the last one,
    /// and saves the history; a failed save is ignored.
    private func remember(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace), line != lastEntry else { return }
        _ = add_history(line)
        lastEntry = line
        if let historyPath { _ = write_history(historyPath) }
    }
}

/// What libedit's C callbacks reach: they cannot capture context.
private enum Completion {
    /// The callback of the last `LineReader` made on a terminal.
    nonisolated(unsafe) static var provider: ((String, String) -> [String])?
    /// The candidates for the word being completed, handed out by `generator`.
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var next = 0
    /// C strings libedit keeps pointers to for the life of the process.
    nonisolated(unsafe) static let name: UnsafeMutablePointer<CChar> = strdup("pbcheck")
    /// Words are separated by blanks only, so `observe x=1` is one word.
    nonisolated(unsafe) static let breaks: UnsafeMutablePointer<CChar> = strdup(" \t\n")
}

/// libedit's `rl_attempted_completion_function`: asks the provider and turns
/// its candidates into readline's match list (common prefix first). Setting
/// `rl_attempted_completion_over` stops libedit from completing file names
/// when nothing matches.
private func attemptCompletion(
    _ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32
) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1
    guard let text, let provider = Completion.provider else { return nil }
    let word = String(cString: text)
    let line = rl_line_buffer.map { String(cString: $0) } ?? ""
    // libedit counts `start` in characters (wide chars), not bytes.
    let before = String(String.UnicodeScalarView(line.unicodeScalars.prefix(max(0, Int(start)))))
    Completion.candidates = provider(before, word).filter { $0.hasPrefix(word) }
    Completion.next = 0
    return rl_completion_matches(text, generator)
}

/// readline's generator protocol: one malloc'd candidate per call, nil after
/// the last; libedit frees them.
private func generator(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    if state == 0 { Completion.next = 0 }
    guard Completion.next < Completion.candidates.count else { return nil }
    defer { Completion.next += 1 }
    return strdup(Completion.candidates[Completion.next])
}
