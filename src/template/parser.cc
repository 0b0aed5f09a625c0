// Token-stream helpers and error reporting shared by the expression and statement parsers.
#include "template/parser.h"

namespace faq::tmpl {

namespace {
constexpr int kMaxDepth = 200;
}

Parser::DepthGuard::DepthGuard(Parser& p) : parser(p) {
  if (++parser.depth_ > kMaxDepth) parser.Fail(parser.Cur().pos, "template nesting too deep");
}

bool Parser::SkipOp(const char* op) {
  if (!IsOp(op)) return false;
  Next();
  return true;
}

bool Parser::SkipName(const char* name) {
  if (!IsName(name)) return false;
  Next();
  return true;
}

void Parser::ExpectOp(const char* op) {
  if (!SkipOp(op)) Fail(Cur().pos, fmt::format("expected token '{}', got {}", op, Describe(Cur())));
}

std::string Parser::ExpectName() {
  if (Cur().type != Tok::kName) Fail(Cur().pos, fmt::format("expected token 'name', got {}", Describe(Cur())));
  return Next().text;
}

void Parser::ExpectBlockEnd() {
  if (Cur().type != Tok::kBlockEnd) Fail(Cur().pos, fmt::format("expected token 'end of statement block', got {}", Describe(Cur())));
  Next();
}

void Parser::Fail(size_t pos, const std::string& msg) const { throw Error(map_.Where(pos) + msg); }

void Parser::FailUnexpected() const {
  Fail(Cur().pos, fmt::format("unexpected {}", Describe(Cur())));
}

std::string Parser::Describe(const Token& t) const {
  switch (t.type) {
    case Tok::kEof: return "end of template";
    case Tok::kVarEnd: return "end of print statement";
    case Tok::kBlockEnd: return "end of statement block";
    case Tok::kVarBegin: return "'{{'";
    case Tok::kBlockBegin: return "'{%'";
    case Tok::kData: return "template data";
    case Tok::kString: return "string";
    case Tok::kInt: return "integer";
    case Tok::kFloat: return "float";
    default: return "'" + t.text + "'";
  }
}

bool Parser::IsTupleEnd(const char* extra_end) const {
  if (Cur().type == Tok::kVarEnd || Cur().type == Tok::kBlockEnd || Cur().type == Tok::kEof) return true;
  if (IsOp(")")) return true;
  return extra_end != nullptr && IsName(extra_end);
}

}  // namespace faq::tmpl
