// The only file that includes CLD2's C++ headers; include/CCLD2.h is what Swift sees.
#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include "CCLD2.h"

extern "C" void newsd_cld2_detect(const char *text, int length, newsd_cld2_result *result) {
    CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language top3[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE};
    int percent3[3] = {0, 0, 0};
    double scores3[3] = {0, 0, 0};
    int textBytes = 0;
    bool reliable = false;
    int validPrefix = 0;
    // The checking variant: on bytes that are not interchange-valid UTF-8 (controls,
    // noncharacters) it returns at once instead of reading past what it understands.
    CLD2::Language language = CLD2::ExtDetectLanguageSummaryCheckUTF8(
        text, length, /* is_plain_text */ true, &hints, /* flags */ 0, top3, percent3, scores3,
        /* resultchunkvector */ nullptr, &textBytes, &reliable, &validPrefix);
    result->valid_prefix = validPrefix;
    if (validPrefix < length) {
        result->language = CLD2::UNKNOWN_LANGUAGE;
        result->reliable = 0;
        result->percent = 0;
        result->text_bytes = 0;
        return;
    }
    result->language = language;
    result->reliable = reliable ? 1 : 0;
    // The summary language is usually the first of the three; its own share either way.
    result->percent = 0;
    for (int i = 0; i < 3; i++) {
        if (top3[i] == language) {
            result->percent = percent3[i];
            break;
        }
    }
    result->text_bytes = textBytes;
}

extern "C" int newsd_cld2_language_count(void) { return CLD2::NUM_LANGUAGES; }

extern "C" const char *newsd_cld2_language_code(int language) {
    return CLD2::LanguageCode(static_cast<CLD2::Language>(language));
}
