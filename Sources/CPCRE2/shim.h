/* PCRE2, 8-bit code units. pcre2_compile & co. are token-pasting macros and PCRE2_UNSET /
   PCRE2_ZERO_TERMINATED are cast macros, so Swift imports none of them: the Swift side calls the
   `_8` functions and uses these helpers. Only Rules/PCRE2Regex.swift imports this module. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Compile options used for rule patterns: UTF with invalid sequences tolerated in subjects
   (log lines are not always valid UTF-8), and no PCRE2_UCP (ASCII \d \w are what log rules mean). */
static inline uint32_t bn_pcre2_compile_options(void) { return PCRE2_UTF | PCRE2_MATCH_INVALID_UTF; }
