import Foundation
import PBCheckCore

/// ANSI colours, used only when stdout is a TTY and NO_COLOR is unset.
struct ANSIStyle: TextStyle {
    func severity(_ s: Severity, _ text: String) -> String {
        switch s {
        case .error: return "\u{1B}[1;31m\(text)\u{1B}[0m"
        case .warning: return "\u{1B}[1;33m\(text)\u{1B}[0m"
        case .note: return "\u{1B}[1;36m\(text)\u{1B}[0m"
        }
    }
    func emphasis(_ text: String) -> String { "\u{1B}[1m\(text)\u{1B}[0m" }
    func dim(_ text: String) -> String { "\u{1B}[2m\(text)\u{1B}[0m" }
}

enum Terminal {
    static var colour: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
    static var style: TextStyle { colour ? ANSIStyle() : PlainStyle() }

    static func write(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    static func writeError(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}

/// Progress on stderr, only when stderr is a terminal (SPEC §5.1).
final class TerminalProgress: SearchProgress, @unchecked Sendable {
    static var enabled: Bool { isatty(STDERR_FILENO) == 1 }
    func update(states: Int, depth: Int, queue: Int, seconds: Double) {
        let rate = seconds > 0 ? Int(Double(states) / seconds) : 0
        let line = "\r\u{1B}[K\(states) states, \(rate) states/s, depth \(depth), queue \(queue)"
        FileHandle.standardError.write(Data(line.utf8))
    }
    func update(bmcDepth depth: Int, open: Int, seconds: Double) {
        let line = "\r\u{1B}[KBMC depth \(depth), \(open) check\(open == 1 ? "" : "s") open, \(Int(seconds)) s"
        FileHandle.standardError.write(Data(line.utf8))
    }
    func clear() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}

/// Ctrl-C stops the run cleanly: partial results, exit 3.
enum Interrupt {
    static let flag = StopFlag()
    nonisolated(unsafe) static var source: DispatchSourceSignal?
    static func install() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { flag.stop() }
        s.resume()
        source = s
    }
}
