// libFuzzer entry point for every parser behind DocumentParser (plain text, JSON, NDJSON, HTML,
// RSS, Atom, dates) and for the control server: request decoding, validation and the command
// handler of a daemon on a throwaway state folder with no database. By default format detection routes
// the input and the first byte also picks a parser; NEWSD_FUZZ_PARSER fuzzes one alone. Built
// only by scripts/fuzz (with -sanitize=fuzzer), never by `swift build`.
import Foundation
import IngestEngine
import Logging
import NewsCore
import NewsProtocol
import NewsSystem

#if canImport(Glibc)
import Glibc
#endif

/// A daemon that is never run: a throwaway state folder and a database that cannot be reached
/// (a socket folder that does not exist), so commands that query fail at once as they would in
/// an outage. Requests go through the control server's decoding, access check, argument
/// validation and the command handler, exactly as on the socket.
let fuzzDaemon: Daemon = {
    var template = Array("/tmp/newsd-fuzz-XXXXXX".utf8CString)
    let state = String(cString: mkdtemp(&template)!)
    var config = NewsdConfig.defaults(stateDirectory: state)
    config.socketPath = state + "/newsd.sock"
    config.databaseURL = "host=\(state)/no-such-socket-dir dbname=newsd connect_timeout=1"
    config.workers = 1
    var logger = Logger(label: "newsd.fuzz")
    logger.logLevel = .critical
    let fixed = config
    do {
        return try Daemon(config: config, logger: logger) { fixed }
    } catch {
        fatalError("cannot set up the fuzzing daemon: \(error)")
    }
}()

/// One request line, answered for an admin (root) and for a read-only user in turn, chosen by
/// the line's length so both see every shape. Every answer must be a response with an error
/// code when it is not ok.
func fuzzControl(_ bytes: [UInt8]) {
    let line = Data(bytes.prefix { $0 != 0x0A })
    let peer = PeerCredentials(pid: 1, uid: line.count % 2 == 0 ? 0 : 65534, gid: 65534)
    let response = fuzzDaemon.answer(line: line, peer: peer)
    if !response.ok && response.error == nil { fatalError("a refusal without an error body") }
}

/// NEWSD_FUZZ_PARSER=text|json|ndjson|html|feed|date|control fuzzes that one alone (every input goes
/// to it); unset, detection routes inputs and the first byte picks a parser as well.
let forcedParser: String? = getenv("NEWSD_FUZZ_PARSER").map { String(cString: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParsers(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parser = DocumentParser()
    if let forcedParser {
        let text = String(decoding: bytes, as: UTF8.self)
        switch forcedParser {
        case "text": _ = try? parser.plain.parse(text: text)
        case "json": _ = try? JSONArticleParser(plain: parser.plain).parse(text: text, ndjson: false)
        case "ndjson": _ = try? JSONArticleParser(plain: parser.plain).parse(text: text, ndjson: true)
        case "html": _ = try? HTMLArticleExtractor().extract(bytes: bytes, encoding: "UTF-8")
        case "feed": _ = try? FeedParser(plain: parser.plain).parse(bytes: bytes, encoding: "UTF-8")
        case "control": fuzzControl(bytes)
        default: _ = DateParser.parse(text)
        }
        return 0
    }
    _ = try? parser.parse(bytes: bytes)
    guard let selector = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    let text = String(decoding: rest, as: UTF8.self)
    switch selector % 6 {
    case 0: _ = try? parser.plain.parse(text: text)
    case 1: _ = try? JSONArticleParser(plain: parser.plain).parse(text: text, ndjson: selector & 0x80 != 0)
    case 2: _ = try? HTMLArticleExtractor().extract(bytes: rest, encoding: "UTF-8")
    case 3: _ = try? FeedParser(plain: parser.plain).parse(bytes: rest, encoding: "UTF-8")
    case 4: fuzzControl(rest)
    default: _ = DateParser.parse(text)
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

/// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer.
@_cdecl("fuzz_parsers_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return runFuzzerDriver(&count, &vector) { data, size in fuzzParsers(data, size) }
}
