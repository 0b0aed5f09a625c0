// Filter implementations shared between filters.cc (dispatch, scalar/string filters) and
// filters_seq.cc (sequence filters).
#pragma once

#include <string>

#include "template/interpreter.h"
#include "template/parser.h"

namespace faq::tmpl {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);
// Returns null when `name` is not a sequence filter.
FilterFn FindSequenceFilter(const std::string& name);
bool IsSequenceFilter(const std::string& name);

// Jinja's make_attrgetter: "a.b.0" walks attributes/items.
Value GetAttributePath(const Value& v, const std::string& path);
// Sort key for sort/unique/min/max: lowercased strings unless case sensitive.
Value CaseKey(const Value& v, bool case_sensitive);

}  // namespace faq::tmpl
