import Configuration
import Foundation
import NewsCore
import NewsProtocol
import NewsSystem
import Synchronization

/// The configuration file said in words before the configuration library reads it.
extension NewsdConfig {
    /// Configuration files are small; a larger one is a mistake (and would only be slow to parse).
    static let maxFileBytes = 1 << 20

    /// The file is a readable regular file of at most 1 MiB holding a JSON object whose every
    /// key is a setting newsd reads (or a section of them) with a value of the right kind. Said
    /// in words, before the configuration library reads it: its errors name its own types and
    /// Foundation's, and it would take booleans for numbers and skip objects where a value
    /// belongs.
    static func checkFile(_ file: String) throws {
        // Not blocking: a FIFO named as the configuration must not hang start-up.
        let opened: OpenFile
        do {
            opened = try FileSystem.openForReading(atPath: file)
        } catch {
            if error.errno == Errno.noSuchFileOrDirectory { throw ConfigLoadError(key: "--config", problem: "no such file: \(file)") }
            let hint = error.errno == Errno.permissionDenied ? " (newsd's user reads it through group newsd: chgrp newsd, chmod 0640)" : ""
            throw ConfigLoadError(key: "--config", problem: "cannot read \(file): \(error.message.lowercased())\(hint)")
        }
        guard let st = try? opened.status(), st.kind == .regular else {
            throw ConfigLoadError(key: "--config", problem: "\(file) is not a regular file")
        }
        guard st.size <= maxFileBytes else {
            throw ConfigLoadError(key: "--config", problem: "\(file) is \(st.size) bytes; a configuration file is at most 1 MiB")
        }
        var data = [UInt8](repeating: 0, count: Int(st.size))
        var got = 0
        while got < data.count {
            let n: Int
            do {
                n = try opened.read(into: &data, from: got)
            } catch {
                throw ConfigLoadError(key: "--config", problem: "cannot read \(file): \(error.message.lowercased())")
            }
            if n == 0 { break }
            got += n
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(data[..<got]))
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "it does not parse"
            throw ConfigLoadError(key: "--config", problem: "\(file) is not valid JSON: \(detail)")
        }
        guard let object = root as? [String: Any] else {
            throw ConfigLoadError(key: "--config", problem: "\(file) must hold a JSON object ({ \"database\": { … } })")
        }
        try checkShape(object, prefix: "", file: file)
    }

    /// Keys and kinds of values, against `schema`.
    static func checkShape(_ object: [String: Any], prefix: String, file: String) throws {
        let schema = Self.schema
        for key in object.keys.sorted() {
            let value = object[key]!
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let kind = schema[path] {
                if let problem = kind.problem(with: value) { throw ConfigLoadError(key: path, problem: problem + " (in \(file))") }
            } else if schema.keys.contains(where: { $0.hasPrefix(path + ".") }) {
                guard let inner = value as? [String: Any] else {
                    let example = schema.keys.filter { $0.hasPrefix(path + ".") }.sorted().prefix(2).joined(separator: ", ")
                    throw ConfigLoadError(key: path, problem: "must be an object of settings (\(example), …), not \(ValueKind.describe(value)) (in \(file))")
                }
                try checkShape(inner, prefix: path, file: file)
            } else {
                throw ConfigLoadError(key: path, problem: "not a setting newsd knows (in \(file))\(suggestion(for: path))")
            }
        }
    }

    /// `; did you mean "pipeline"?` when a key or section is close to `key`.
    private static func suggestion(for key: String) -> String {
        // Candidates: every key and every section holding keys (`pipline` → `pipeline`).
        var candidates = Set(schema.keys)
        for k in schema.keys {
            var parts = k.split(separator: ".").dropLast()
            while !parts.isEmpty {
                candidates.insert(parts.joined(separator: "."))
                parts = parts.dropLast()
            }
        }
        candidates.remove(key)
        guard let nearest = candidates.min(by: { editDistance($0, key) < editDistance($1, key) }),
            editDistance(nearest, key) <= max(2, key.count / 4)
        else { return "" }
        return "; did you mean \"\(nearest)\"?"
    }

    /// Levenshtein distance, for the suggestion above (keys are short).
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// The kind of value a setting takes, and what is wrong with a JSON value for it.
enum ValueKind: Sendable {
    case int, double, string, stringArray

    func problem(with value: Any) -> String? {
        switch self {
        case .int:
            guard let n = value as? NSNumber, !Self.isBool(n), !["d", "f"].contains(String(cString: n.objCType)) else {
                return "must be a whole number, not \(Self.describe(value))"
            }
        case .double:
            guard let n = value as? NSNumber, !Self.isBool(n) else { return "must be a number, not \(Self.describe(value))" }
        case .string:
            guard value is String else { return "must be a string, not \(Self.describe(value))" }
        case .stringArray:
            guard let items = value as? [Any] else { return "must be a list of strings, not \(Self.describe(value))" }
            if let i = items.firstIndex(where: { !($0 is String) }) {
                return "must be a list of strings; item \(i + 1) is \(Self.describe(items[i]))"
            }
        }
        return nil
    }

    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// A JSON value in words: `true`, `a number`, `an object`, `null`.
    static func describe(_ value: Any) -> String {
        switch value {
        case let n as NSNumber: return isBool(n) ? (n.boolValue ? "true" : "false") : "the number \(n)"
        case is String: return "a string"
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return "\(type(of: value))"
        }
    }
}
