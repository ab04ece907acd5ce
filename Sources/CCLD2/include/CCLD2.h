#ifndef NEWSD_CCLD2_H
#define NEWSD_CCLD2_H

/* A C face for CLD2 (Compact Language Detector 2), whose API is C++: Swift imports this
   header without C++ interoperability, and only CCLD2.cpp sees CLD2's own headers. */

#ifdef __cplusplus
extern "C" {
#endif

/// What CLD2 says about a text.
typedef struct {
    /// The summary language, as CLD2's `Language` number (0 ..< newsd_cld2_language_count()).
    int language;
    /// Whether CLD2 calls `language` reliable: clearly ahead of the runner-up for this much
    /// text.
    int reliable;
    /// Share of the text's letters in `language`, 0–100.
    int percent;
    /// Letters CLD2 scored (tags, digits and punctuation are not counted).
    int text_bytes;
    /// Leading bytes that are interchange-valid UTF-8. When it is less than the length given,
    /// CLD2 looked at nothing and the other fields say "unknown".
    int valid_prefix;
} newsd_cld2_result;

/// Detects the language of `length` bytes of plain UTF-8 text. Thread-safe (CLD2 keeps no
/// state between calls).
void newsd_cld2_detect(const char *text, int length, newsd_cld2_result *result);

/// How many `Language` numbers CLD2 has.
int newsd_cld2_language_count(void);

/// CLD2's code for a `Language` number ("en", "zh-Hant", "un"…): a static string.
const char *newsd_cld2_language_code(int language);

#ifdef __cplusplus
}
#endif

#endif
