import Configuration
import Foundation
import NewsCore
import NewsProtocol
import NewsSystem
import Synchronization

/// Reads typed values and turns conversion failures, which swift-configuration reports to the
/// access reporter rather than throwing, into `ConfigLoadError`s naming the key.
final class ValidatingReader {
    let reader: ConfigReader
    let problems: ProblemCollector
    /// Every key asked for, with its kind: what the file may contain.
    private(set) var kinds: [String: ValueKind] = [:]

    init(reader: ConfigReader, problems: ProblemCollector) {
        self.reader = reader
        self.problems = problems
    }

    private func check(_ key: String) throws {
        if let problem = problems.take(key) { throw ConfigLoadError(key: key, problem: problem) }
    }

    func string(_ key: String, default value: String, secret: Bool = false) throws -> String {
        kinds[key] = .string
        let v = reader.string(forKey: ConfigKey(key), isSecret: secret, default: value)
        try check(key)
        return v
    }

    func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        kinds[key] = .int
        let v = reader.int(forKey: ConfigKey(key), default: value)
        try check(key)
        guard range.contains(v) else {
            throw ConfigLoadError(key: key, problem: "\(v) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    func double(_ key: String, default value: Double, in range: ClosedRange<Double>) throws -> Double {
        kinds[key] = .double
        let v = reader.double(forKey: ConfigKey(key), default: value)
        try check(key)
        guard range.contains(v) else {
            throw ConfigLoadError(key: key, problem: "\(v) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    func stringArray(_ key: String, default value: [String]) throws -> [String] {
        kinds[key] = .stringArray
        let v = reader.stringArray(forKey: ConfigKey(key), default: value)
        try check(key)
        return v
    }
}

/// Collects, per key, the first lookup or conversion failure.
final class ProblemCollector: AccessReporter {
    private let problems = Mutex<[String: String]>([:])

    func report(_ event: AccessEvent) {
        let key = event.metadata.key.components.joined(separator: ".")
        var problem: String?
        let expected = Self.expected("\(event.metadata.valueType)")
        if event.conversionError != nil {
            problem = "must be \(expected)"
        }
        for result in event.providerResults {
            if case .failure = result.result {
                problem = "must be \(expected)\(Self.source(result.providerName, key: key))"
            }
        }
        if let problem {
            problems.withLock { if $0[key] == nil { $0[key] = problem } }
        }
    }

    /// The kind of value a type name stands for, in words.
    static func expected(_ valueType: String) -> String {
        switch valueType.lowercased() {
        case "int": return "a whole number"
        case "double": return "a number"
        case "bool": return "true or false"
        case "stringarray", "string array": return "a list of strings"
        case "string": return "a string"
        default: return "of type \(valueType)"
        }
    }

    /// Where a value came from, for the message.
    static func source(_ provider: String, key: String) -> String {
        if provider.contains("Environment") {
            return " (in the environment: NEWSD_" + key.replacingOccurrences(
                of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression
            ).replacingOccurrences(of: ".", with: "_").uppercased() + ")"
        }
        if provider.contains("flags") { return " (on the command line)" }
        return " (in the configuration file)"
    }

    func take(_ key: String) -> String? {
        problems.withLock { $0.removeValue(forKey: key) }
    }
}
