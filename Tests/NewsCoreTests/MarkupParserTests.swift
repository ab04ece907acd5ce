import Foundation
import Testing

@testable import NewsCore

@Suite struct HTMLExtractionTests {
    let page = """
        <!DOCTYPE html>
        <html lang="en-GB"><head><meta charset="utf-8">
        <title>Putin thanks Trump | Example News</title>
        <meta property="og:title" content="Putin thanks Trump for foiling new year attacks">
        <meta property="og:site_name" content="Example News">
        <meta name="author" content="A Reporter">
        <meta property="article:published_time" content="2026-11-24T10:15:00Z">
        <link rel="canonical" href="https://news.example/putin">
        <script>var tracking = "Share this article";</script>
        </head><body>
        <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news and more</a></li></ul></nav>
        <div class="cookie-banner"><p>We use cookies to improve your experience on this website, accept them.</p></div>
        <article>
          <h1>Putin thanks Trump for foiling new year attacks</h1>
          <p>Russia&rsquo;s President Vladimir Putin has thanked US counterpart Donald Trump for intelligence, a Kremlin statement said.</p>
          <p>Mr Putin and Mr Trump spoke on the phone on Sunday, it said, and discussed the plot, the arrests and trade.</p>
          <div class="social-share"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>
          <h2>What happened</h2>
          <p>Tass news agency says two Russian nationals have been arrested, according to a spokesperson from the FSB.</p>
        </article>
        <aside class="related"><h3>Related stories</h3><p>Another story that is not part of this article at all, really.</p></aside>
        <section id="comments"><p>Great article, thanks a lot for writing this, I agree with everything said here!</p></section>
        <footer><p>Copyright 2026 Example News. All rights reserved.</p></footer>
        </body></html>
        """

    @Test func extractsTheArticleWithoutPageFurniture() throws {
        let doc = try DocumentParser().parse(bytes: Array(page.utf8))
        #expect(doc.format == .html)
        let a = doc.articles[0]
        #expect(a.title == "Putin thanks Trump for foiling new year attacks")
        #expect(a.paragraphs == [
            "Russia’s President Vladimir Putin has thanked US counterpart Donald Trump for intelligence, a Kremlin statement said.",
            "Mr Putin and Mr Trump spoke on the phone on Sunday, it said, and discussed the plot, the arrests and trade.",
            "What happened",
            "Tass news agency says two Russian nationals have been arrested, according to a spokesperson from the FSB.",
        ])
        #expect(a.metadata == ArticleMetadata(
            url: "https://news.example/putin", publishedAt: Date(timeIntervalSince1970: 1_795_515_300), author: "A Reporter",
            source: "Example News", language: "en"))
    }

    @Test func declaredLatin1CharsetIsHonoured() throws {
        let html = "<html><head><meta charset=\"iso-8859-1\"><title>Caf\u{E9} news</title></head><body><article><p>Le caf\u{E9} est tr\u{E8}s bon, dit-on, et les gens le boivent partout en ville.</p></article></body></html>"
        let bytes = Array(html.unicodeScalars.map { UInt8($0.value) })
        let a = try DocumentParser().parse(bytes: bytes).articles[0]
        #expect(a.title == "Café news")
        #expect(a.paragraphs == ["Le café est très bon, dit-on, et les gens le boivent partout en ville."])
    }

    @Test func deeplyNestedMarkupIsBoundedAndDoesNotCrash() throws {
        let html = "<html><head><title>Deep</title></head><body>" + String(repeating: "<div>", count: 20_000) + "<p>Deep text here.</p>" + String(repeating: "</div>", count: 20_000) + "</body></html>"
        // libxml2 caps nesting; whatever survives, the parser returns an answer, not a crash.
        _ = try? DocumentParser().parse(bytes: Array(html.utf8))
    }
}

@Suite struct FeedParserTests {
    @Test func rssItemsBecomeArticles() throws {
        let rss = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
            <channel><title>Example Feed</title><language>en</language>
              <item><title>First item</title><link>https://ex.com/1</link><pubDate>Tue, 24 Nov 2026 10:15:00 GMT</pubDate>
                <dc:creator>Ann</dc:creator><description>Short summary.</description>
                <content:encoded><![CDATA[<p>Full first paragraph.</p><p>Second &amp; last.</p>]]></content:encoded></item>
              <item><title></title><description>No title here.</description></item>
              <item><title>Third item</title><description>&lt;p&gt;Escaped HTML body.&lt;/p&gt;</description></item>
            </channel></rss>
            """
        let doc = try DocumentParser().parse(bytes: Array(rss.utf8))
        #expect(doc.format == .rss)
        #expect(doc.articles.map(\.title) == ["First item", "Third item"])
        #expect(doc.articles[0].paragraphs == ["Full first paragraph.", "Second & last."])
        #expect(doc.articles[1].paragraphs == ["Escaped HTML body."])
        #expect(doc.articles[0].metadata == ArticleMetadata(
            url: "https://ex.com/1", publishedAt: Date(timeIntervalSince1970: 1_795_515_300), author: "Ann", source: "Example Feed", language: "en"))
        #expect(doc.recordFailures.map(\.index) == [1])
    }

    @Test func atomEntriesBecomeArticles() throws {
        let atom = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><title>Atom Feed</title>
              <entry><title>Eintrag</title><link rel="alternate" href="https://ex.de/e"/><published>2026-11-24T10:15:00Z</published>
                <author><name>Bea</name></author>
                <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Erster Absatz.</p><p>Zweiter Absatz.</p></div></content></entry>
              <entry><title>Zweiter</title><summary type="html">&lt;p&gt;Nur Zusammenfassung.&lt;/p&gt;</summary></entry>
            </feed>
            """
        let doc = try DocumentParser().parse(bytes: Array(atom.utf8))
        #expect(doc.format == .atom)
        #expect(doc.articles.map(\.paragraphs) == [["Erster Absatz.", "Zweiter Absatz."], ["Nur Zusammenfassung."]])
        #expect(doc.articles[0].metadata == ArticleMetadata(
            url: "https://ex.de/e", publishedAt: Date(timeIntervalSince1970: 1_795_515_300), author: "Bea", source: "Atom Feed", language: "de"))
    }

    @Test func entityExpansionIsNotPerformed() throws {
        var entities = "<!ENTITY lol \"lol\">"
        for i in 1...9 {
            entities += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i == 1 ? "" : String(i - 1));", count: 10) + "\">"
        }
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE rss [\(entities)]><rss><channel><title>t</title><item><title>Laughs</title><description>before &lol9; after</description></item></channel></rss>"
        let doc = try DocumentParser().parse(bytes: Array(bomb.utf8))
        let body = doc.articles[0].paragraphs.joined()
        #expect(body.count < 100)
        #expect(!body.contains("lollollol"))
    }
}

@Suite struct HostileInputTests {
    @Test func aHugeSingleLineIsOneParagraph() throws {
        let line = String(repeating: "word ", count: 1_000_000)
        let a = try DocumentParser().parse(bytes: Array("Title\n\n\(line)".utf8)).articles[0]
        #expect(a.paragraphs.count == 1)
        #expect(a.wordCount == 1_000_000)
    }

    @Test func trailingImageCreditsAndCookieNoticesAreJunk() throws {
        let a = try PlainTextParser().parse(text: "T\n\nReal text.\n\nImage copyright: Getty Images\n\nWe use cookies to improve your experience.")
        #expect(a.paragraphs == ["Real text."])
    }
}
