// Expression grammar, precedence lowest to highest: conditional, or, and, not, comparison,
// + -, ~, * / // %, **, unary - +, then primary with postfix (. [] ()) and filters/tests.
#include "template/parser.h"

namespace faq::tmpl {

NodePtr Parser::ParseTuple(bool with_condexpr, bool explicit_parentheses, const char* extra_end) {
  size_t pos = Cur().pos;
  std::vector<NodePtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) ExpectOp(",");
    if (IsTupleEnd(extra_end)) break;
    items.push_back(ParseExpression(with_condexpr));
    if (IsOp(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parentheses) Fail(Cur().pos, fmt::format("Expected an expression, got {}", Describe(Cur())));
  }
  auto node = std::make_unique<Node>(NodeKind::kTuple, pos);
  node->args = std::move(items);
  return node;
}

NodePtr Parser::ParseExpression(bool with_condexpr) {
  DepthGuard guard(*this);
  return with_condexpr ? ParseCondExpr() : ParseOr();
}

NodePtr Parser::ParseCondExpr() {
  NodePtr expr = ParseOr();
  while (IsName("if")) {
    auto node = Make(NodeKind::kCondExpr);
    Next();
    NodePtr cond = ParseOr();
    NodePtr other = SkipName("else") ? ParseCondExpr() : nullptr;
    node->args.push_back(std::move(cond));
    node->args.push_back(std::move(expr));
    node->args.push_back(std::move(other));
    expr = std::move(node);
  }
  return expr;
}

// `and` / `or`: left-associative chains of one keyword.
NodePtr Parser::ParseKeywordChain(const char* keyword, NodeKind kind, NodePtr (Parser::*operand)()) {
  NodePtr left = (this->*operand)();
  while (IsName(keyword)) {
    auto node = Make(kind);
    Next();
    node->args.push_back(std::move(left));
    node->args.push_back((this->*operand)());
    left = std::move(node);
  }
  return left;
}

NodePtr Parser::ParseOr() { return ParseKeywordChain("or", NodeKind::kOr, &Parser::ParseAnd); }
NodePtr Parser::ParseAnd() { return ParseKeywordChain("and", NodeKind::kAnd, &Parser::ParseNot); }

NodePtr Parser::ParseNot() {
  if (IsName("not")) {
    DepthGuard guard(*this);
    auto node = Make(NodeKind::kNot);
    Next();
    node->args.push_back(ParseNot());
    return node;
  }
  return ParseCompare();
}

NodePtr Parser::ParseCompare() {
  size_t pos = Cur().pos;
  NodePtr expr = ParseMath1();
  std::vector<std::string> ops;
  std::vector<NodePtr> operands;
  while (true) {
    static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">="};
    bool matched = false;
    for (const char* op : kOps) {
      if (IsOp(op)) {
        Next();
        ops.emplace_back(op);
        operands.push_back(ParseMath1());
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (SkipName("in")) {
      ops.emplace_back("in");
      operands.push_back(ParseMath1());
    } else if (IsName("not") && Peek().type == Tok::kName && Peek().text == "in") {
      Next();
      Next();
      ops.emplace_back("notin");
      operands.push_back(ParseMath1());
    } else {
      break;
    }
  }
  if (ops.empty()) return expr;
  auto node = std::make_unique<Node>(NodeKind::kCompare, pos);
  node->args.push_back(std::move(expr));
  for (auto& o : operands) node->args.push_back(std::move(o));
  node->targets = std::move(ops);
  return node;
}

namespace {
NodePtr Binary(const std::string& op, NodePtr left, NodePtr right, size_t pos) {
  auto node = std::make_unique<Node>(NodeKind::kBinary, pos);
  node->name = op;
  node->args.push_back(std::move(left));
  node->args.push_back(std::move(right));
  return node;
}
}  // namespace

NodePtr Parser::ParseMath1() {
  NodePtr left = ParseConcat();
  while (IsOp("+") || IsOp("-")) {
    size_t pos = Cur().pos;
    std::string op = Next().text;
    left = Binary(op, std::move(left), ParseConcat(), pos);
  }
  return left;
}

NodePtr Parser::ParseConcat() {
  NodePtr left = ParseMath2();
  while (IsOp("~")) {
    size_t pos = Next().pos;
    left = Binary("~", std::move(left), ParseMath2(), pos);
  }
  return left;
}

NodePtr Parser::ParseMath2() {
  NodePtr left = ParsePow();
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    size_t pos = Cur().pos;
    std::string op = Next().text;
    left = Binary(op, std::move(left), ParsePow(), pos);
  }
  return left;
}

NodePtr Parser::ParsePow() {
  NodePtr left = ParseUnary(true);
  while (IsOp("**")) {
    size_t pos = Next().pos;
    left = Binary("**", std::move(left), ParseUnary(true), pos);
  }
  return left;
}

NodePtr Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(*this);
  NodePtr node;
  if (IsOp("-") || IsOp("+")) {
    node = Make(IsOp("-") ? NodeKind::kNeg : NodeKind::kPos);
    Next();
    node->args.push_back(ParseUnary(false));
  } else {
    node = ParsePrimary();
  }
  node = ParsePostfix(std::move(node));
  if (with_filter) node = ParseFilterExpr(std::move(node));
  return node;
}

NodePtr Parser::ParsePrimary() {
  const Token& t = Cur();
  if (t.type == Tok::kName) {
    auto node = Make(NodeKind::kLiteral);
    if (t.text == "true" || t.text == "True") {
      node->literal = Value(true);
    } else if (t.text == "false" || t.text == "False") {
      node->literal = Value(false);
    } else if (t.text == "none" || t.text == "None") {
      node->literal = Value::None();
    } else {
      node->kind = NodeKind::kName;
      node->name = t.text;
    }
    Next();
    return node;
  }
  if (t.type == Tok::kString) {
    auto node = Make(NodeKind::kLiteral);
    std::string s;
    while (Cur().type == Tok::kString) s += Next().text;  // adjacent literals concatenate
    node->literal = Value(std::move(s));
    return node;
  }
  if (t.type == Tok::kInt || t.type == Tok::kFloat) {
    auto node = Make(NodeKind::kLiteral);
    node->literal = t.type == Tok::kInt ? Value(t.int_value) : Value(t.float_value);
    Next();
    return node;
  }
  if (IsOp("(")) {
    Next();
    NodePtr node = ParseTuple(true, true);
    ExpectOp(")");
    return node;
  }
  if (IsOp("[") || IsOp("{")) {
    bool is_list = IsOp("[");
    auto node = Make(is_list ? NodeKind::kList : NodeKind::kDict);
    Next();
    const char* close = is_list ? "]" : "}";
    while (!IsOp(close)) {
      if (!node->args.empty()) ExpectOp(",");
      if (IsOp(close)) break;
      node->args.push_back(ParseExpression());
      if (!is_list) {
        ExpectOp(":");
        node->args.push_back(ParseExpression());
      }
    }
    ExpectOp(close);
    return node;
  }
  FailUnexpected();
}

NodePtr Parser::ParsePostfix(NodePtr node) {
  while (true) {
    if (IsOp(".") || IsOp("[")) {
      node = ParseSubscript(std::move(node));
    } else if (IsOp("(")) {
      auto call = std::make_unique<Node>(NodeKind::kCall, node->pos);
      call->args.push_back(std::move(node));
      ParseCallArgs(*call);
      node = std::move(call);
    } else {
      return node;
    }
  }
}

NodePtr Parser::ParseFilterExpr(NodePtr node) {
  while (true) {
    if (IsOp("|")) {
      node = ParseFilter(std::move(node), false);
    } else if (IsName("is")) {
      node = ParseTest(std::move(node));
    } else if (IsOp("(")) {
      auto call = std::make_unique<Node>(NodeKind::kCall, node->pos);
      call->args.push_back(std::move(node));
      ParseCallArgs(*call);
      node = std::move(call);
    } else {
      return node;
    }
  }
}

NodePtr Parser::ParseSubscript(NodePtr node) {
  DepthGuard guard(*this);
  size_t pos = Cur().pos;
  if (SkipOp(".")) {
    const Token& t = Cur();
    if (t.type == Tok::kName) {
      auto attr = std::make_unique<Node>(NodeKind::kGetAttr, pos);
      attr->name = Next().text;
      attr->args.push_back(std::move(node));
      return attr;
    }
    if (t.type == Tok::kInt) {
      auto item = std::make_unique<Node>(NodeKind::kGetItem, pos);
      auto key = Make(NodeKind::kLiteral);
      key->literal = Value(Next().int_value);
      item->args.push_back(std::move(node));
      item->args.push_back(std::move(key));
      return item;
    }
    Fail(t.pos, "expected name or number");
  }
  ExpectOp("[");
  std::vector<NodePtr> keys;
  while (!IsOp("]")) {
    if (!keys.empty()) ExpectOp(",");
    keys.push_back(ParseSubscribed());
  }
  ExpectOp("]");
  if (keys.size() == 1 && keys[0]->kind == NodeKind::kSlice) {
    keys[0]->args.insert(keys[0]->args.begin(), std::move(node));
    return std::move(keys[0]);
  }
  auto item = std::make_unique<Node>(NodeKind::kGetItem, pos);
  item->args.push_back(std::move(node));
  if (keys.size() == 1) {
    item->args.push_back(std::move(keys[0]));
  } else {
    for (auto& k : keys) {
      if (k->kind == NodeKind::kSlice) Fail(k->pos, "multi-dimensional slices are not supported");
    }
    auto tuple = std::make_unique<Node>(NodeKind::kTuple, pos);
    tuple->args = std::move(keys);
    item->args.push_back(std::move(tuple));
  }
  return item;
}

NodePtr Parser::ParseSubscribed() {
  size_t pos = Cur().pos;
  auto slice = std::make_unique<Node>(NodeKind::kSlice, pos);
  if (SkipOp(":")) {
    slice->args.push_back(nullptr);
  } else {
    NodePtr expr = ParseExpression();
    if (!SkipOp(":")) return expr;
    slice->args.push_back(std::move(expr));
  }
  auto part = [&]() -> NodePtr { return IsOp("]") || IsOp(",") || IsOp(":") ? nullptr : ParseExpression(); };
  slice->args.push_back(part());
  slice->args.push_back(SkipOp(":") ? part() : nullptr);
  return slice;
}

NodePtr Parser::ParseFilter(NodePtr node, bool start_inline) {
  while (IsOp("|") || start_inline) {
    if (!start_inline) Next();
    start_inline = false;
    size_t pos = Cur().pos;
    std::string name = ExpectName();
    while (SkipOp(".")) {
      name += '.';
      name += ExpectName();
    }
    if (!HasFilter(name)) Fail(pos, fmt::format("No filter named '{}'.", name));
    auto filter = std::make_unique<Node>(NodeKind::kFilter, pos);
    filter->name = name;
    filter->args.push_back(std::move(node));
    if (IsOp("(")) ParseCallArgs(*filter);
    node = std::move(filter);
  }
  return node;
}

NodePtr Parser::ParseTest(NodePtr node) {
  Next();  // "is"
  bool negated = SkipName("not");
  size_t pos = Cur().pos;
  std::string name = ExpectName();
  while (SkipOp(".")) {
      name += '.';
      name += ExpectName();
    }
  if (!HasTest(name)) Fail(pos, fmt::format("No test named '{}'.", name));
  auto test = std::make_unique<Node>(NodeKind::kTest, pos);
  test->name = name;
  test->negated = negated;
  test->args.push_back(std::move(node));
  if (IsOp("(")) {
    ParseCallArgs(*test);
  } else {
    const Token& t = Cur();
    bool arg_start = t.type == Tok::kName || t.type == Tok::kString || t.type == Tok::kInt ||
                     t.type == Tok::kFloat || IsOp("[") || IsOp("{");
    if (arg_start && !IsName("else") && !IsName("or") && !IsName("and")) {
      if (IsName("is")) Fail(t.pos, "You cannot chain multiple tests with is");
      test->args.push_back(ParsePostfix(ParsePrimary()));
    }
  }
  return test;
}

void Parser::ParseCallArgs(Node& node) {
  ExpectOp("(");
  bool any = false;
  while (!IsOp(")")) {
    if (any) {
      ExpectOp(",");
      if (IsOp(")")) break;
    }
    any = true;
    if (IsOp("*") || IsOp("**")) Fail(Cur().pos, "*args and **kwargs in calls are not supported");
    if (Cur().type == Tok::kName && Peek().type == Tok::kOp && Peek().text == "=") {
      std::string key = Next().text;
      Next();
      node.kwargs.emplace_back(key, ParseExpression());
    } else {
      if (!node.kwargs.empty()) Fail(Cur().pos, "invalid syntax for function call expression");
      node.args.push_back(ParseExpression());
    }
  }
  ExpectOp(")");
}

}  // namespace faq::tmpl
