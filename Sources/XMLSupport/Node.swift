internal import CLibXML2

/// A parsed HTML or XML document as plain Swift values: libxml2 parses, this module copies the
/// tree out and frees libxml2's, so no C pointer outlives a call. The only module importing
/// CLibXML2.
public final class Node {
    /// What a node is.
    public enum Kind: Sendable {
        case element
        case text
    }

    /// Element or text.
    public let kind: Kind
    /// Element name, lowercased for HTML; local name (no prefix) for XML.
    public let name: String
    /// The namespace prefix of an XML element (`dc`, `content`), if any.
    public let prefix: String?
    /// Attributes (names lowercased for HTML).
    public let attributes: [String: String]
    /// Child nodes in document order.
    public internal(set) var children: [Node] = []
    /// A text node's text.
    public let text: String
    /// The parent element.
    public internal(set) weak var parent: Node?

    init(kind: Kind, name: String, prefix: String? = nil, attributes: [String: String] = [:], text: String = "") {
        self.kind = kind
        self.name = name
        self.prefix = prefix
        self.attributes = attributes
        self.text = text
    }

    /// The value of attribute `name`.
    public subscript(_ name: String) -> String? { attributes[name] }

    /// Child elements.
    public var elements: [Node] { children.filter { $0.kind == .element } }

    /// All text below this node, in order, without any normalization.
    public var textContent: String {
        if kind == .text { return text }
        var out = ""
        appendText(to: &out)
        return out
    }

    private func appendText(to out: inout String) {
        for c in children {
            if c.kind == .text { out += c.text } else { c.appendText(to: &out) }
        }
    }

    /// Every element below this one (depth first, document order) for which `match` holds.
    public func descendants(where match: (Node) -> Bool) -> [Node] {
        var out: [Node] = []
        var stack: [Node] = children.reversed()
        while let n = stack.popLast() {
            guard n.kind == .element else { continue }
            if match(n) { out.append(n) }
            stack.append(contentsOf: n.children.reversed())
        }
        return out
    }

    /// The first element below this one named `name`.
    public func first(_ name: String) -> Node? {
        descendants { $0.name == name }.first
    }

    /// Child elements named `name`.
    public func children(named name: String) -> [Node] { elements.filter { $0.name == name } }
}

/// Parses documents with libxml2.
public enum Markup {
    /// The most bytes handed to libxml2; larger input is cut (newsd's file limit is lower).
    public static let maxBytes = 64 * 1024 * 1024

    /// libxml2 must be initialized once before threads use it.
    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    private static func prepare() {
        _ = initialized
        newsd_xml_silence()
    }

    /// Parses an HTML page, recovering from errors as browsers do. `encoding` is an IANA
    /// charset name (nil: libxml2 decides from the page's meta tags, else UTF-8/Latin-1).
    /// Returns the root element, or nil if nothing could be parsed.
    public static func parseHTML(_ bytes: [UInt8], encoding: String?) -> Node? {
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)
        return parse(bytes, html: true) { htmlReadMemory($0, $1, nil, encoding, options) }
    }

    /// Parses XML (feeds) safely: no network, no external entities or DTDs, no entity
    /// substitution (so "billion laughs" expands nothing), libxml2's default depth and size
    /// limits. Returns the root element, or nil if the text is not well-formed XML.
    public static func parseXML(_ bytes: [UInt8], encoding: String?) -> Node? {
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_RECOVER.rawValue)
        return parse(bytes, html: false) { xmlReadMemory($0, $1, nil, encoding, options) }
    }

    /// Runs one libxml2 read function over `bytes`, copies the tree out and frees libxml2's.
    private static func parse(
        _ bytes: [UInt8], html: Bool, _ read: (UnsafePointer<CChar>?, Int32) -> xmlDocPtr?
    ) -> Node? {
        prepare()
        let bytes = AttributeCap.apply(bytes)
        let count = Int32(min(bytes.count, maxBytes))
        let doc = bytes.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { read($0.baseAddress, count) }
        }
        guard let doc else { return nil }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else { return nil }
        return convert(root, html: html)
    }

    private static func string(_ p: UnsafePointer<xmlChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    private static func convert(_ root: xmlNodePtr, html: Bool) -> Node {
        func element(_ n: xmlNodePtr) -> Node {
            var attrs: [String: String] = [:]
            var a = n.pointee.properties
            while let attr = a {
                let name = string(attr.pointee.name)
                let value: String
                if let v = xmlNodeListGetString(n.pointee.doc, attr.pointee.children, 1) {
                    value = String(cString: v)
                    newsd_xml_free(v)
                } else {
                    value = ""
                }
                attrs[html ? name.lowercased() : name] = value
                a = attr.pointee.next
            }
            let name = string(n.pointee.name)
            let prefix = n.pointee.ns.flatMap { $0.pointee.prefix }.map { String(cString: $0) }
            return Node(kind: .element, name: html ? name.lowercased() : name, prefix: prefix, attributes: attrs)
        }
        let top = element(root)
        // Iterative walk: (libxml2 node, Swift node) pairs; depth is bounded by libxml2 anyway.
        var stack: [(xmlNodePtr, Node)] = [(root, top)]
        while let (cNode, swiftNode) = stack.popLast() {
            var child = cNode.pointee.children
            while let c = child {
                switch c.pointee.type {
                case XML_ELEMENT_NODE:
                    let e = element(c)
                    e.parent = swiftNode
                    swiftNode.children.append(e)
                    stack.append((c, e))
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    let t = Node(kind: .text, name: "#text", text: string(c.pointee.content))
                    t.parent = swiftNode
                    swiftNode.children.append(t)
                default:
                    break  // comments, processing instructions, unexpanded entity references
                }
                child = c.pointee.next
            }
        }
        return top
    }
}
