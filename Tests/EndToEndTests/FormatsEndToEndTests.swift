import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct FormatsEndToEndTests {
    @Test func jsonNDJSONAndHeaderTextIngestWithTheirMetadata() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        let db = try PostgresConnection(conninfo: url)

        try newsd.drop("export.json", Array("""
            [{"title": "Alpha", "body": "Alpha one.\\n\\nAlpha two.", "url": "https://ex.com/alpha", "date": "2026-11-24T10:15:00Z", "author": "Ann", "source": "Ex", "language": "en"},
             {"title": "Broken", "body": {"oops": true}},
             {"headline": "Gamma", "articleBody": "Gamma only."}]
            """.utf8))
        try newsd.drop("dump.ndjson", Array("{\"title\": \"Delta\", \"text\": \"Delta text.\"}\nnot json\n{\"title\": \"Epsilon\", \"content\": \"Eps.\"}\n".utf8))
        try newsd.drop("header.txt", Array("Title: Zeta\nURL: https://ex.com/zeta\nDate: 24 November 2026\n\nZeta body.\n".utf8))
        #expect(try eventually { try newsd.status().totals.ingested == 5 })

        let rows = try db.query(
            "SELECT title, format, record_index, url, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), author, source, language, source_file FROM articles ORDER BY title")
        #expect(rows.rows == [
            ["Alpha", "json", "0", "https://ex.com/alpha", "2026-11-24 10:15", "Ann", "Ex", "en", "export.json"],
            ["Delta", "ndjson", "0", nil, nil, nil, nil, nil, "dump.ndjson"],
            ["Epsilon", "ndjson", "1", nil, nil, nil, nil, nil, "dump.ndjson"],
            ["Gamma", "json", "1", nil, nil, nil, nil, nil, "export.json"],
            ["Zeta", "text", "0", "https://ex.com/zeta", "2026-11-24 00:00", nil, nil, nil, "header.txt"],
        ])
        let log = try db.query(
            "SELECT file_name, outcome, format, array_length(article_ids, 1), record_errors::text FROM ingest_log ORDER BY file_name")
        #expect(log.rows == [
            ["dump.ndjson", "ingested", "ndjson", "2", #"[{"code": "bad_record", "index": 1, "reason": "line 2 is not valid JSON"}]"#],
            ["export.json", "ingested", "json", "2", #"[{"code": "bad_record", "index": 1, "reason": "record 1: \"body\" is an object, not text"}]"#],
            ["header.txt", "ingested", "text", "1", nil],
        ])
        #expect(newsd.logText.contains("record skipped"))
        #expect(newsd.files(in: newsd.failed).isEmpty)
    }

    @Test func htmlPagesAndFeedsIngestFromTheInbox() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        let db = try PostgresConnection(conninfo: url)
        try newsd.drop("page.html", Array("""
            <html lang="en"><head><title>Page title | Site</title><meta property="og:title" content="Page title">
            <link rel="canonical" href="https://ex.com/page"></head><body><nav><a href="/">Home</a></nav>
            <article><p>The first paragraph of the page, with enough words to count as text.</p>
            <p>The second paragraph, also long enough to be part of the article body.</p></article>
            <footer><p>Copyright 2026</p></footer></body></html>
            """.utf8))
        try newsd.drop("feed.xml", Array("""
            <?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>
            <item><title>Item one</title><link>https://ex.com/i1</link><description>Item one text.</description></item>
            <item><title>Item two</title><link>https://ex.com/i2</link><description>Item two text.</description></item>
            </channel></rss>
            """.utf8))
        try newsd.drop("atom.xml", Array("""
            <feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><title>Entry</title>
            <link href="https://ex.com/e"/><content type="text">Entry text.</content></entry></feed>
            """.utf8))
        #expect(try eventually { try newsd.status().totals.ingested == 4 })
        let rows = try db.query("SELECT title, format, url, body FROM articles ORDER BY title")
        #expect(rows.rows == [
            ["Entry", "atom", "https://ex.com/e", "Entry text."],
            ["Item one", "rss", "https://ex.com/i1", "Item one text."],
            ["Item two", "rss", "https://ex.com/i2", "Item two text."],
            ["Page title", "html", "https://ex.com/page",
             "The first paragraph of the page, with enough words to count as text.\n\nThe second paragraph, also long enough to be part of the article body."],
        ])
    }

    @Test func explainShowsWhatWouldBeStoredOrWhyNot() throws {
        let dir = NSTemporaryDirectory() + "newsd-explain-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seed = dir + "/seed.txt"
        try Data(try sampleArticleBytes()).write(to: URL(fileURLWithPath: seed))
        let text = try runCommand(binDir + "/newsctl", ["explain", seed])
        #expect(text.status == 0)
        #expect(text.output.contains("[0] Harbour ferry service to resume after council vote\n    paragraphs 16, words 367"))

        let json = try runCommand(binDir + "/newsctl", ["explain", "--json", seed])
        let report = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let record = (report?["records"] as? [[String: Any]])?.first
        #expect(report?["format"] as? String == "text")
        #expect((record?["paragraphs"] as? [String])?.count == 16)

        // Every format goes through the same parser as the daemon.
        let samples: [(String, String, String)] = [
            ("a.json", #"[{"title": "J", "body": "Json body."}]"#, "json"),
            ("a.ndjson", "{\"title\": \"N\", \"text\": \"One.\"}\n{\"title\": \"M\", \"text\": \"Two.\"}\n", "ndjson"),
            ("a.html", "<html><head><title>H</title></head><body><article><p>Html body text, long enough.</p></article></body></html>", "html"),
            ("a.rss", "<rss><channel><title>F</title><item><title>R</title><description>Rss body.</description></item></channel></rss>", "rss"),
            ("a.atom", "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>F</title><entry><title>A</title><content>Atom body.</content></entry></feed>", "atom"),
        ]
        for (name, content, format) in samples {
            try content.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            let r = try runCommand(binDir + "/newsctl", ["explain", "--json", dir + "/" + name])
            #expect(r.status == 0, "\(name): \(r.output)")
            let report = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any]
            #expect(report?["format"] as? String == format, "\(name)")
        }

        let bad = dir + "/empty.txt"
        #expect(FileManager.default.createFile(atPath: bad, contents: Data()))
        let failed = try runCommand(binDir + "/newsctl", ["explain", bad])
        #expect(failed.status == 65)
        #expect(failed.output.contains("code:   empty"))
        #expect(try runCommand(binDir + "/newsctl", ["explain", dir + "/missing"]).status == 66)
    }
}
