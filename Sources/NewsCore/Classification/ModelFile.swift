import Foundation

/// Why a model file cannot be read.
public struct ModelFileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "model file: \(message)" }
}

/// The model file format (docs/MODEL.md), version 3, all integers and floats little-endian:
///
///     magic "NWSDMODL" | u32 version (3) | u32 hash bits | u32 label count | u32 document count
///     per label: u32 byte length, UTF-8 bytes
///     u32 name handling (0 keep, 1 mask, 2 places) | u32 title features (0, 1)  (version 2 on)
///     u32 language count | per language: u32 byte length, UTF-8 bytes      (version 2 on)
///     f32 temperature | f32 evidence half-point                             (version 3)
///     f32 idf[2^bits] | f32 bias[labels] | f32 weights[2^bits * labels] (bucket-major)
///     f32 information[2^bits]                                               (version 3)
///
/// Version 1 files (no language list) and version 2 files (no calibration: temperature 1, no
/// evidence) are still read.
extension TopicModel {
    static let magic = Array("NWSDMODL".utf8)
    /// The version this build writes and reads.
    public static let fileVersion: UInt32 = 3

    /// The model as file bytes.
    public func serialized() -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func floats(_ a: [Float]) {
            out.reserveCapacity(out.count + a.count * 4)
            for f in a { withUnsafeBytes(of: f.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        u32(Self.fileVersion)
        u32(UInt32(hasher.bits))
        u32(UInt32(labels.count))
        u32(UInt32(documentCount))
        for l in labels {
            u32(UInt32(l.utf8.count))
            out.append(contentsOf: l.utf8)
        }
        u32(hasher.names.rawValue)
        u32(hasher.titleFeatures ? 1 : 0)
        u32(UInt32(languages.count))
        for l in languages {
            u32(UInt32(l.utf8.count))
            out.append(contentsOf: l.utf8)
        }
        floats([Float(calibration.temperature), Float(calibration.evidenceHalf)])
        floats(idf)
        floats(bias)
        floats(weights)
        floats(information.count == hasher.dimension ? information : [Float](repeating: 0, count: hasher.dimension))
        return out
    }

    /// Reads a model from file bytes, checking the magic, version and every length.
    public init(serialized bytes: [UInt8]) throws(ModelFileError) {
        var r = ModelFileReader(bytes)
        func take(_ n: Int) throws(ModelFileError) -> ArraySlice<UInt8> { try r.take(n) }
        func u32() throws(ModelFileError) -> UInt32 { try r.u32() }
        func floats(_ n: Int) throws(ModelFileError) -> [Float] { try r.floats(n) }
        guard Array(try take(8)) == Self.magic else { throw ModelFileError(message: "not a newsd model (bad magic)") }
        let version = try u32()
        guard (1...Self.fileVersion).contains(version) else {
            throw ModelFileError(message: "format version \(version); this newsd reads versions 1 to \(Self.fileVersion)")
        }
        let bits = Int(try u32())
        guard (8...24).contains(bits) else { throw ModelFileError(message: "hash bits \(bits) out of range 8...24") }
        let count = Int(try u32())
        guard (2...10_000).contains(count) else { throw ModelFileError(message: "\(count) labels") }
        let documents = Int(try u32())
        func strings(_ count: Int, _ what: String) throws(ModelFileError) -> [String] {
            var out: [String] = []
            for _ in 0..<count {
                let n = Int(try u32())
                guard let s = String(validating: try take(n), as: UTF8.self) else { throw ModelFileError(message: "\(what) is not UTF-8") }
                out.append(s)
            }
            return out
        }
        let labels = try strings(count, "label")
        var languages: [String] = []
        var names = FeatureHasher.NameFeatures.keep
        var titleFeatures = false
        if version >= 2 {
            let raw = try u32()
            guard let handling = FeatureHasher.NameFeatures(rawValue: raw) else { throw ModelFileError(message: "unknown name handling \(raw)") }
            names = handling
            let title = try u32()
            guard title <= 1 else { throw ModelFileError(message: "title features flag \(title)") }
            titleFeatures = title == 1
            let n = Int(try u32())
            guard n <= 200 else { throw ModelFileError(message: "\(n) languages") }
            languages = try strings(n, "language")
        }
        var calibration = Calibration.uncalibrated
        if version >= 3 {
            let c = try floats(2)
            // The temperature divides; the half-point is 0 (no evidence) or a positive number of nats.
            guard c[0].isFinite, c[0] > 0, c[1].isFinite, c[1] >= 0 else {
                throw ModelFileError(message: "calibration (temperature \(c[0]), evidence half-point \(c[1])) out of range")
            }
            calibration = Calibration(temperature: Double(c[0]), evidenceHalf: Double(c[1]))
        }
        let dim = 1 << bits
        let idf = try floats(dim)
        let bias = try floats(count)
        let weights = try floats(dim * count)
        let information = version >= 3 ? try floats(dim) : []
        guard information.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ModelFileError(message: "word information out of range")
        }
        guard r.offset == bytes.count else { throw ModelFileError(message: "\(bytes.count - r.offset) unexpected trailing bytes") }
        self.init(labels: labels, hasher: FeatureHasher(bits: bits, names: names, titleFeatures: titleFeatures), idf: idf, documentCount: documents, weights: weights, bias: bias,
            languages: languages, calibration: calibration, information: information)
    }
}

/// Reads a model file's fields in order, little-endian, every length checked against the bytes
/// left: shared by the topic and entity model files.
struct ModelFileReader {
    let bytes: [UInt8]
    /// Where the next field starts.
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ n: Int) throws(ModelFileError) -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= bytes.count else { throw ModelFileError(message: "truncated at byte \(offset)") }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    mutating func u32() throws(ModelFileError) -> UInt32 {
        let s = try take(4)
        return s.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func floats(_ n: Int) throws(ModelFileError) -> [Float] {
        let s = try take(n * 4)
        var out = [Float](repeating: 0, count: n)
        var i = s.startIndex
        for k in 0..<n {
            out[k] = Float(bitPattern: UInt32(s[i]) | UInt32(s[i + 1]) << 8 | UInt32(s[i + 2]) << 16 | UInt32(s[i + 3]) << 24)
            i += 4
        }
        return out
    }

    /// A u32 length, then that many bytes of UTF-8.
    mutating func text() throws(ModelFileError) -> String {
        let n = Int(try u32())
        guard let s = String(validating: try take(n), as: UTF8.self) else {
            throw ModelFileError(message: "text at byte \(offset - n) is not UTF-8")
        }
        return s
    }
}
