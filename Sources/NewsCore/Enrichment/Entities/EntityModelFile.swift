import Crypto
import Foundation

/// The entity model file format (docs/ENRICHMENT.md), version 5, integers and floats
/// little-endian:
///
///     magic "NWSDENTS" | u32 version (5) | u32 hash bits | u32 tag count (8)
///     u32 list count | per list: u32 name length, UTF-8 name, u32 text length, UTF-8 entries
///                                (one per line)
///     u32 about length | UTF-8 about (what the model was trained on, its licences)
///     u32 bucket count | per non-zero bucket: u32 bucket, f32 weight[tag count]
///
/// Buckets whose weights are all zero are not stored. The version names the features as well
/// as the layout: version 2 has the same layout as 1 and the capitalized-run features, version 3
/// the citation flag, version 4 the document's hint (`EntityModel.documentPrior`) and the kinds of its names so far
/// (`History.mix`), version 5 an eighth tag (names of other kinds, `Tag.other`), so an older
/// file's weights would be read against features and tags they were not trained on.
extension EntityModel {
    static let magic = Array("NWSDENTS".utf8)
    public static let fileVersion: UInt32 = 5
    /// The hash sizes a model file may have (log2 of the buckets).
    public static let fileBits = 8...20

    /// The model as file bytes; `about` says what it was trained on.
    public func serialized(about: String) -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func text(_ s: String) {
            u32(UInt32(s.utf8.count))
            out.append(contentsOf: s.utf8)
        }
        u32(Self.fileVersion)
        u32(UInt32(bits))
        u32(UInt32(Self.tagCount))
        let lists = gazetteer.entries.keys.sorted()
        u32(UInt32(lists.count))
        for name in lists {
            text(name)
            text(gazetteer.entries[name]!.joined(separator: "\n"))
        }
        text(about)
        let used = weights.indices.filter { weights[$0] != .zero }
        u32(UInt32(used.count))
        for b in used {
            u32(UInt32(b))
            for t in 0..<Self.tagCount { u32(weights[b][t].bitPattern) }
        }
        return out
    }

    /// Reads a model from file bytes, checking the magic, version and every length.
    public init(serialized bytes: [UInt8]) throws(ModelFileError) {
        var r = ModelFileReader(bytes)
        func take(_ n: Int) throws(ModelFileError) -> ArraySlice<UInt8> { try r.take(n) }
        func u32() throws(ModelFileError) -> UInt32 { try r.u32() }
        func text() throws(ModelFileError) -> String { try r.text() }
        guard Array(try take(8)) == Self.magic else { throw ModelFileError(message: "not a newsd entity model (bad magic)") }
        let version = try u32()
        guard version == Self.fileVersion else {
            throw ModelFileError(
                message: "entity model version \(version); this newsd reads version \(Self.fileVersion) (train it again: newsctl model train-entities)")
        }
        let bits = Int(try u32())
        // 2^20 buckets of 32 bytes are 32 MiB in every newsd that loads the model (twice during
        // a reload): a file asking for more is refused before anything is allocated.
        guard Self.fileBits.contains(bits) else { throw ModelFileError(message: "hash bits \(bits) outside \(Self.fileBits)") }
        let tags = Int(try u32())
        guard tags == Self.tagCount else { throw ModelFileError(message: "\(tags) tags; this newsd knows \(Self.tagCount)") }
        let listCount = Int(try u32())
        guard listCount <= 64 else { throw ModelFileError(message: "\(listCount) name lists") }
        var entries: [String: [String]] = [:]
        for _ in 0..<listCount {
            let name = try text()
            entries[name] = try text().split(separator: "\n").map(String.init)
        }
        _ = try text()
        let size = 1 << bits
        let used = Int(try u32())
        guard used <= size else { throw ModelFileError(message: "\(used) buckets of \(size)") }
        var weights = [SIMD8<Float>](repeating: .zero, count: size)
        for _ in 0..<used {
            let b = Int(try u32())
            guard b < size else { throw ModelFileError(message: "bucket \(b) outside \(size)") }
            var v = SIMD8<Float>(repeating: 0)
            for t in 0..<tags {
                let w = Float(bitPattern: try u32())
                guard w.isFinite else { throw ModelFileError(message: "weight of bucket \(b) is not finite") }
                v[t] = w
            }
            weights[b] = v
        }
        guard r.offset == bytes.count else { throw ModelFileError(message: "\(bytes.count - r.offset) bytes after the weights") }
        self.init(bits: bits, weights: weights, gazetteer: EntityGazetteer(entries: entries))
    }

    /// What the model file says it was trained on.
    public static func about(serialized bytes: [UInt8]) -> String? {
        guard bytes.count > 24, Array(bytes[0..<8]) == magic else { return nil }
        var offset = 20
        func u32() -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            defer { offset += 4 }
            return bytes[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        guard let lists = u32() else { return nil }
        for _ in 0..<(2 * lists) {
            guard let n = u32(), offset + n <= bytes.count else { return nil }
            offset += n
        }
        guard let n = u32(), offset + n <= bytes.count else { return nil }
        return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
    }
}

/// An entity model as loaded from a file, with an identity stored in `articles.entity_model_id`.
public struct LoadedEntityModel: Sendable {
    public var model: EntityModel
    /// First 16 hex digits of the file's SHA-256.
    public var id: String
    public var path: String

    /// Reads and checks a model file: a regular file of at most `LoadedModel.maxFileBytes`.
    public init(path: String) throws(ModelFileError) {
        let bytes = try LoadedModel.readModelFile(path)
        do {
            model = try EntityModel(serialized: bytes)
        } catch {
            throw ModelFileError(message: "\(path): \(error.message)")
        }
        id = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
        self.path = path
    }

    /// Wraps a model built in memory (tests).
    public init(model: EntityModel, id: String, path: String = "") {
        self.model = model
        self.id = id
        self.path = path
    }
}
