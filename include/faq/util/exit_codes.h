// What each of faq's exit codes (faq/util/error.h) means: one table, listed by every
// command's --help.
#pragma once

#include "faq/util/error.h"

namespace faq {

struct ExitCodeMeaning {
  ExitCode code;
  const char* meaning;
};

inline constexpr ExitCodeMeaning kExitCodeMeanings[] = {
    {kExitOk, "ok"},
    {kExitRuntimeError, "runtime error: a bad input file, a failed request or stage (the message names the file, "
                        "field or tensor and what was expected)"},
    {kExitUsage, "usage error: a bad command line (an unknown, missing or invalid option)"},
};

}  // namespace faq
