/// Files shaped to make a parser slow: one per format and shape, each about `size` bytes. The
/// hardening tests drop them (each must end with its outcome, none may hold a worker), and
/// `ingest-bench --pathological` (Benchmarks/) times each next to a normal article of the same size.
public enum Pathological {
    /// A named input.
    public struct Input: Sendable {
        public var name: String
        public var bytes: [UInt8]
    }

    /// Ordinary prose of about `size` bytes: the yardstick.
    public static func normalArticle(size: Int) -> [UInt8] {
        var text = "Council approves the new harbour budget\n\n"
        var i = 0
        while text.utf8.count < size {
            text += "The council of Port Elling voted on Tuesday to spend \(i % 97 + 3) million on the harbour, "
                + "after a debate that ran late into the evening. Residents said the plan was overdue.\n\n"
            i += 1
        }
        return Array(text.utf8)
    }

    /// Every shape, about `size` bytes each.
    public static func all(size: Int = 1 << 20) -> [Input] {
        func repeated(_ unit: String, _ bytes: Int) -> String {
            String(repeating: unit, count: max(1, bytes / max(1, unit.utf8.count)))
        }
        let n = size
        var out: [Input] = []
        func add(_ name: String, _ text: String) {
            out.append(Input(name: name, bytes: Array(text.utf8)))
        }
        add("text-many-lt.txt", "Storm hits the coast\n\n<p>Some text. " + repeated("<", n))
        add("json-many-lt.json", #"{"title": "Storm hits the coast", "body": "<p>Some text. "# + repeated("<", n) + #""}"#)
        add(
            "rss-many-escaped-lt.xml",
            #"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Storm hits</title><description>&lt;p&gt;Some text. "#
                + repeated("&lt;", n) + "</description></item></channel></rss>")
        add("text-many-amp.txt", "Storm hits the coast\n\nSome text. " + repeated("&", n / 2) + repeated("&#", n / 4) + repeated("&a", n / 4))
        add("json-many-amp.json", #"{"title": "Storm & coast", "body": "<p>Some text. "# + repeated("&amp;amp;", n) + #""}"#)
        add(
            "html-many-attributes.html",
            "<html><head><title>Storm hits the coast</title></head><body><p "
                + (0..<(n / 12)).map { "a\($0)=\"1\" " }.joined() + ">Some text about the storm that hit the coast.</p></body></html>")
        add(
            "html-many-bare-attributes.html",
            "<html><head><title>Storm hits the coast</title></head><body><p " + repeated("x ", n)
                + ">Some text about the storm that hit the coast.</p></body></html>")
        add("text-one-huge-line.txt", "Storm hits the coast\n\n" + repeated("wind and rain ", n))
        add("text-blank-lines.txt", "Storm hits the coast\n" + repeated("\n", n) + "Some text about the storm.\n")
        add("text-crlf-blank-lines.txt", "Storm hits the coast\r\n" + repeated("\r\n \t", n) + "Some text about the storm.\r\n")
        add(
            "html-deep-nesting.html",
            "<html><head><title>Deep</title></head><body>" + repeated("<div>", n / 2) + "deep" + repeated("</div>", n / 2)
                + "</body></html>")
        add("json-deep-nesting.json", repeated("[", n / 2) + repeated("]", n / 2))
        add("json-deep-objects.json", repeated(#"{"a":"#, n / 2) + "1" + repeated("}", n / 10))
        add(
            "rss-deep-nesting.xml",
            #"<?xml version="1.0"?><rss version="2.0"><channel><item><title>Deep</title><description>"#
                + repeated("<x>", n / 2) + repeated("</x>", n / 2) + "</description></item></channel></rss>")
        add("ndjson-broken-lines.ndjson", #"{"title": "Storm hits", "body": "Some text."}"# + "\n" + repeated("{\"a\n", n))
        add("ndjson-invalid-objects.ndjson", #"{"title": "Storm hits", "body": "Some text."}"# + "\n" + repeated("{\"a\":}\n", n))
        add("html-attributes-without-spaces.html",
            "<html><head><title>Storm hits the coast</title></head><body><p " + (0..<(n / 12)).map { "a\($0)=\"1\"" }.joined()
                + ">Some text about the storm that hit the coast.</p></body></html>")
        add("text-combining-marks.txt", "Storm hits the coast\n\nSome body. a" + repeated("\u{0301}\u{0316}", n))
        add("text-junk-lines-in-one-block.txt", "Storm hits the coast\n\nSome text about the storm.\n" + repeated("Share this article\n", n))
        add("text-junk-lines.txt", "Storm hits the coast\n\nSome text about the storm.\n\n" + repeated("Share:\nerror: Content is protected !!\n", n))
        add("text-capitalized-words.txt", "Storm Hits The Coast\n\n" + repeated("Aaron Bello Carlos Dmitri Elena Fox Gomez Harbour Island ", n))
        // Brackets the citation pass walks: one that never closes, and years in brackets after
        // runs of names.
        add("text-open-brackets.txt", "Storm hits the coast\n\n" + repeated("( Gass Ide 2001 ", n))
        add("text-citations.txt", "Storm hits the coast\n\n" + repeated("Gass and Polio Santos Ide (2001) ", n))
        // Names joined by "&" without end: the entity model's "&" rule once stepped back to the
        // start of the growing name at each "&" (quadratic).
        add("text-ampersand-names.txt", "Storm hits the coast\n\n" + repeated("Facebook & Twitter & Sonny & Cher & Ogilvy & ", n))
        add("text-long-word.txt", "Storm hits the coast\n\nSome " + repeated("x", n) + " text.")
        add("text-digits.txt", "Storm hits the coast\n\n" + repeated("12:30 24 Nov 2026 ", n))
        return out
    }
}
