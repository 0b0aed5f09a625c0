// Statement grammar: template data, {{ }}, and the {% %} tags faq supports.
#include "template/parser.h"

#include <algorithm>

namespace faq::tmpl {

std::vector<NodePtr> Parser::ParseTemplate() {
  std::vector<NodePtr> body = Subparse({});
  if (Cur().type != Tok::kEof) FailUnexpected();
  return body;
}

std::vector<NodePtr> Parser::Subparse(const std::vector<std::string>& end_tokens) {
  std::vector<NodePtr> body;
  while (Cur().type != Tok::kEof) {
    const Token& t = Cur();
    if (t.type == Tok::kData) {
      auto node = Make(NodeKind::kOutput);
      node->name = Next().text;
      body.push_back(std::move(node));
    } else if (t.type == Tok::kVarBegin) {
      Next();
      auto node = Make(NodeKind::kPrint);
      node->args.push_back(ParseTuple(true, false));
      if (Cur().type != Tok::kVarEnd) Fail(Cur().pos, fmt::format("expected token 'end of print statement', got {}", Describe(Cur())));
      Next();
      body.push_back(std::move(node));
    } else if (t.type == Tok::kBlockBegin) {
      Next();
      if (Cur().type == Tok::kName &&
          std::find(end_tokens.begin(), end_tokens.end(), Cur().text) != end_tokens.end()) {
        return body;
      }
      body.push_back(ParseStatement());
      ExpectBlockEnd();
    } else {
      FailUnexpected();
    }
  }
  if (!end_tokens.empty()) {
    std::string expected;
    for (const auto& e : end_tokens) expected += (expected.empty() ? "'" : " or '") + e + "'";
    Fail(Cur().pos, "Unexpected end of template. Jinja was looking for the following tags: " + expected + ".");
  }
  return body;
}

std::vector<NodePtr> Parser::ParseStatements(const std::vector<std::string>& end_tokens, bool drop_needle) {
  SkipOp(":");
  ExpectBlockEnd();
  std::vector<NodePtr> body = Subparse(end_tokens);
  if (drop_needle) Next();
  return body;
}

NodePtr Parser::ParseStatement() {
  DepthGuard guard(*this);
  if (Cur().type != Tok::kName) Fail(Cur().pos, "tag name expected");
  const std::string tag = Cur().text;
  size_t pos = Cur().pos;
  NodePtr node;
  if (tag == "for") {
    node = ParseFor();
  } else if (tag == "if") {
    node = ParseIf();
  } else if (tag == "set") {
    node = ParseSet();
  } else if (tag == "macro") {
    node = ParseMacro();
  } else if (tag == "call") {
    node = ParseCallBlock();
  } else if (tag == "filter") {
    node = ParseFilterBlock();
  } else if (tag == "with") {
    node = ParseWith();
  } else if (tag == "print") {
    Next();
    node = std::make_unique<Node>(NodeKind::kPrint, pos);
    node->args.push_back(ParseTuple(true, false));
  } else if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) Fail(pos, fmt::format("'{}' outside of a loop", tag));
    Next();
    node = std::make_unique<Node>(tag == "break" ? NodeKind::kBreak : NodeKind::kContinue, pos);
  } else if (tag == "generation") {  // transformers' AssistantTracker: renders its body in place
    Next();
    node = std::make_unique<Node>(NodeKind::kScope, pos);
    node->body = ParseStatements({"endgeneration"}, true);
    return node;
  } else {
    static const char* kUnsupported[] = {"block", "extends", "include", "import", "from", "autoescape"};
    for (const char* u : kUnsupported) {
      if (tag == u) Fail(pos, fmt::format("the '{}' tag is not supported in chat templates", tag));
    }
    Fail(pos, fmt::format("Encountered unknown tag '{}'.", tag));
  }
  return node;
}

std::vector<std::string> Parser::ParseAssignTargets(const char* end_name) {
  // name | name, name, ... | (name, name)
  std::vector<std::string> names;
  bool paren = SkipOp("(");
  while (true) {
    if (Cur().type != Tok::kName) Fail(Cur().pos, fmt::format("can't assign to {}", Describe(Cur())));
    static const char* kConst[] = {"true", "false", "none", "True", "False", "None"};
    for (const char* c : kConst) {
      if (Cur().text == c) Fail(Cur().pos, "can't assign to 'Const'");
    }
    names.push_back(Next().text);
    if (!SkipOp(",")) break;
    if ((paren && IsOp(")")) || (end_name && IsName(end_name)) || IsOp("=")) break;
  }
  if (paren) ExpectOp(")");
  return names;
}

NodePtr Parser::ParseFor() {
  auto node = Make(NodeKind::kFor);
  Next();
  node->targets = ParseAssignTargets("in");
  if (!SkipName("in")) Fail(Cur().pos, fmt::format("expected token 'in', got {}", Describe(Cur())));
  node->args.push_back(ParseTuple(false, false, "recursive"));
  node->args.push_back(SkipName("if") ? ParseExpression() : nullptr);
  if (IsName("recursive")) Fail(Cur().pos, "recursive loops are not supported");
  ++loop_depth_;
  node->body = ParseStatements({"endfor", "else"}, false);
  --loop_depth_;
  if (Next().text == "else") node->else_body = ParseStatements({"endfor"}, true);
  return node;
}

NodePtr Parser::ParseIf() {
  auto node = Make(NodeKind::kIf);
  Next();
  node->args.push_back(ParseTuple(false, false));
  node->body = ParseStatements({"elif", "else", "endif"}, false);
  const Token& end = Next();
  if (end.text == "elif") {
    --index_;  // re-read "elif" as if it were "if"
    node->else_body.push_back(ParseIf());
  } else if (end.text == "else") {
    node->else_body = ParseStatements({"endif"}, true);
  }
  return node;
}

NodePtr Parser::ParseSet() {
  auto node = Make(NodeKind::kSet);
  Next();
  if (Cur().type == Tok::kName && Peek().type == Tok::kOp && Peek().text == ".") {
    node->kind = NodeKind::kSetAttr;
    node->name = Next().text;
    Next();
    node->attr = ExpectName();
    ExpectOp("=");
    node->args.push_back(ParseTuple(true, false));
    return node;
  }
  node->targets = ParseAssignTargets(nullptr);
  if (SkipOp("=")) {
    node->args.push_back(ParseTuple(true, false));
    return node;
  }
  if (node->targets.size() != 1) Fail(node->pos, "a block set assigns to one name");
  node->kind = NodeKind::kSetBlock;
  node->args.push_back(IsOp("|") ? ParseFilter(nullptr, false) : nullptr);
  node->body = ParseStatements({"endset"}, true);
  return node;
}

void Parser::ParseSignature(Node& node) {
  ExpectOp("(");
  bool seen_default = false;
  while (!IsOp(")")) {
    if (!node.targets.empty()) ExpectOp(",");
    size_t pos = Cur().pos;
    node.targets.push_back(ExpectName());
    if (SkipOp("=")) {
      node.args.push_back(ParseExpression());
      seen_default = true;
    } else {
      if (seen_default) Fail(pos, "non-default argument follows default argument");
      node.args.push_back(nullptr);
    }
  }
  ExpectOp(")");
}

NodePtr Parser::ParseMacro() {
  auto node = Make(NodeKind::kMacro);
  Next();
  node->name = ExpectName();
  ParseSignature(*node);
  int saved = loop_depth_;
  loop_depth_ = 0;
  node->body = ParseStatements({"endmacro"}, true);
  loop_depth_ = saved;
  return node;
}

NodePtr Parser::ParseCallBlock() {
  auto node = Make(NodeKind::kCallBlock);
  Next();
  // args[0] is the call; the caller's parameter defaults follow it.
  node->args.push_back(nullptr);
  if (IsOp("(")) ParseSignature(*node);
  NodePtr call = ParseExpression();
  if (call->kind != NodeKind::kCall) Fail(call->pos, "expected call");
  node->args[0] = std::move(call);
  int saved = loop_depth_;
  loop_depth_ = 0;
  node->body = ParseStatements({"endcall"}, true);
  loop_depth_ = saved;
  return node;
}

NodePtr Parser::ParseFilterBlock() {
  auto node = Make(NodeKind::kFilterBlock);
  Next();
  node->args.push_back(ParseFilter(nullptr, true));
  node->body = ParseStatements({"endfilter"}, true);
  return node;
}

NodePtr Parser::ParseWith() {
  auto node = Make(NodeKind::kWith);
  Next();
  while (Cur().type != Tok::kBlockEnd) {
    if (!node->targets.empty()) ExpectOp(",");
    node->targets.push_back(ExpectName());
    ExpectOp("=");
    node->args.push_back(ParseExpression());
  }
  node->body = ParseStatements({"endwith"}, true);
  return node;
}

}  // namespace faq::tmpl
