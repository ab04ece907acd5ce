import Testing

@testable import IngestEngine

/// Names newsd leaves in the inbox (Inbox/IgnoreRules.swift).
struct IgnoreRulesTests {
    @Test func theDefaultPatternsLeaveHiddenAndTemporaryNamesAlone() {
        let rules = IgnoreRules(patterns: NewsdConfig.defaults().ignorePatterns)
        for name in [".a.txt.swp", ".hidden", "a.txt.tmp", "a.txt.part", "a.txt~"] {
            #expect(rules.ignores(Array(name.utf8)), "\(name)")
        }
        for name in ["a.txt", "story.json", "feed.xml", "tmp", "a.tmp.txt"] {
            #expect(!rules.ignores(Array(name.utf8)), "\(name)")
        }
    }

    @Test func globsMatchWholeNamesAndNonUTF8NamesAreMatchedByBytes() {
        let rules = IgnoreRules(patterns: ["*.draft", "x?"])
        #expect(rules.ignores(Array("a.draft".utf8)) && rules.ignores(Array("x1".utf8)))
        #expect(!rules.ignores(Array("a.draft.txt".utf8)) && !rules.ignores(Array("x12".utf8)))
        #expect(rules.ignores([0xFF, 0xFE] + Array(".draft".utf8)))
        #expect(!IgnoreRules(patterns: []).ignores(Array(".hidden".utf8)))
    }
}
