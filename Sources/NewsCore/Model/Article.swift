import Crypto
import Foundation

/// A parsed article, ready to be stored.
public struct Article: Sendable, Equatable {
    /// The headline, whitespace-normalized.
    public var title: String
    /// Body paragraphs in order, each one line of normalized text.
    public var paragraphs: [String]
    /// Where it came from and when, as far as the file says.
    public var metadata: ArticleMetadata
    /// Language, topic, keywords, entities and fingerprint, once the parse stage computed them.
    public var enrichment: Enrichment? = nil

    /// Creates an article from its parts.
    public init(title: String, paragraphs: [String], metadata: ArticleMetadata = ArticleMetadata()) {
        self.title = title
        self.paragraphs = paragraphs
        self.metadata = metadata
    }

    /// The body as stored: paragraphs separated by one blank line. Joined anew at each use:
    /// take it once where it is needed more than once.
    public var body: String { paragraphs.joined(separator: "\n\n") }

    /// `body.utf8.count`, without joining the paragraphs.
    public var bodyUTF8Count: Int {
        paragraphs.reduce(paragraphs.isEmpty ? 0 : 2 * (paragraphs.count - 1)) { $0 + $1.utf8.count }
    }

    /// `title + "\n" + body` (what language detection and the word tokens read), built in one
    /// allocation without joining the body first.
    public var titleAndBody: String {
        var text = ""
        text.reserveCapacity(title.utf8.count + 1 + bodyUTF8Count)
        text += title
        text += "\n"
        for (i, paragraph) in paragraphs.enumerated() {
            if i > 0 { text += "\n\n" }
            text += paragraph
        }
        return text
    }

    /// Words in the body: whitespace-separated tokens holding at least one letter or digit.
    public var wordCount: Int {
        var count = 0
        for paragraph in paragraphs {
            var text = paragraph
            count += text.withUTF8 { Self.countWords($0, in: paragraph) }
        }
        return count
    }

    /// Space-separated tokens of `bytes` (the UTF-8 of `text`) holding a letter or digit, walked
    /// with a byte-class table; only a token with non-ASCII bytes and no ASCII letter or digit
    /// needs Unicode properties.
    private static func countWords(_ bytes: UnsafeBufferPointer<UInt8>, in text: String) -> Int {
        // Without branches on the bytes (word lengths vary too much to predict): a token is
        // counted at its first ASCII letter or digit; one with non-ASCII bytes and none of
        // those is checked at its end, which is rare.
        var count = 0
        var seen = 0  // 1: the token so far holds an ASCII letter or digit
        var wide = 0  // 1: it holds a non-ASCII byte
        var start = 0
        byteClasses.withUnsafeBufferPointer { table in
            for i in 0..<bytes.count {
                let c = Int(table[Int(bytes[i])])
                let word = c & ByteClass.word, space = (c & ByteClass.space) >> 1, other = space ^ 1
                count &+= word & (seen ^ 1)
                if space & wide & (seen ^ 1) != 0, holdsWordCharacter(token(text, start, i)) { count &+= 1 }
                seen = (seen | word) & other
                wide = (wide | (c & ByteClass.nonASCII) >> 2) & other
                start = space == 0 ? start : i &+ 1
            }
        }
        if wide & (seen ^ 1) != 0, holdsWordCharacter(token(text, start, bytes.count)) { count += 1 }
        return count
    }

    /// The bytes `from..<to` of `text`.
    private static func token(_ text: String, _ from: Int, _ to: Int) -> Substring {
        let utf8 = text.utf8
        return text[utf8.index(utf8.startIndex, offsetBy: from)..<utf8.index(utf8.startIndex, offsetBy: to)]
    }

    /// Bit flags, one per class.
    private enum ByteClass {
        static let other = 0, word = 1, space = 2, nonASCII = 4
    }

    /// The class of each byte value: ASCII letters and digits, the space, non-ASCII, the rest.
    private static let byteClasses: [UInt8] = (0..<256).map { b in
        switch b {
        case 0x20: UInt8(ByteClass.space)
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: UInt8(ByteClass.word)
        case 0x80...: UInt8(ByteClass.nonASCII)
        default: UInt8(ByteClass.other)
        }
    }

    /// Whether `token` holds a letter or digit (ASCII decided without Unicode property look-ups).
    @inline(__always)
    static func holdsWordCharacter(_ token: Substring) -> Bool {
        var ascii = true
        for b in token.utf8 {
            if b >= 0x80 {
                ascii = false
                break
            }
            if (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) { return true }
        }
        if ascii { return false }
        return token.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    }

    /// SHA-256 of the normalized title and body: the identity used to detect re-dropped
    /// articles, whatever the file was called or how its whitespace and junk looked.
    public var contentHash: [UInt8] { Self.contentHash(title: title, body: body) }

    /// `contentHash` from a title and an already joined `body`.
    public static func contentHash(title: String, body: String) -> [UInt8] {
        // The strings' own UTF-8, not copies of it.
        var hasher = SHA256()
        var title = title
        title.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        hasher.update(data: [0x0A, 0x0A] as [UInt8])
        var body = body
        body.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return Array(hasher.finalize())
    }
}

/// What a file says about an article besides its text. Every field is optional.
public struct ArticleMetadata: Sendable, Equatable {
    /// The article's canonical URL.
    public var url: String?
    /// When it was published.
    public var publishedAt: Date?
    /// Author or byline.
    public var author: String?
    /// Publication or site name.
    public var source: String?
    /// Language code as the file declares it (e.g. `en`).
    public var language: String?

    /// Creates metadata.
    public init(url: String? = nil, publishedAt: Date? = nil, author: String? = nil, source: String? = nil, language: String? = nil) {
        self.url = url
        self.publishedAt = publishedAt
        self.author = author
        self.source = source
        self.language = language
    }
}

/// Why a file could not become an article. The raw values are stable: they appear in logs,
/// in failed/ sidecars, in the `ingest_log.error_code` column and in `newsctl`.
public enum FailureCode: String, Sendable, Codable, CaseIterable {
    /// A directory, FIFO, socket or device was dropped into the inbox.
    case notRegularFile = "not_regular_file"
    /// A symbolic link was dropped; newsd never follows links.
    case symlink = "symlink"
    /// The file is larger than `inbox.maxFileBytes`.
    case tooLarge = "too_large"
    /// The file could not be opened or read (permissions, I/O error).
    case unreadable = "unreadable"
    /// The file holds binary data, not text.
    case notText = "not_text"
    /// The file is empty or holds only whitespace.
    case empty = "empty"
    /// The text has a title but no body paragraph after junk removal.
    case noBody = "no_body"
    /// The database refused the row for a reason that retrying cannot fix.
    case databaseRejected = "db_rejected"
    /// A structured file (JSON, NDJSON, feed) whose records are malformed or lack a title or body.
    case badRecord = "bad_record"
    /// Parsing the file took longer than `parser.maxSeconds`.
    case parseTimeout = "parse_timeout"
}

/// A permanent failure: a stable code and a human sentence.
public struct IngestFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The machine-readable code.
    public var code: FailureCode
    /// A sentence saying what was wrong with this file.
    public var reason: String

    /// Creates a failure.
    public init(_ code: FailureCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}

/// Lowercase hex of bytes (hashes in logs and sidecars).
public func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
