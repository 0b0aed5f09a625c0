// Recursive-descent parser following Jinja2's grammar (jinja2/parser.py): operator
// precedence, filters/tests binding after unary operators, tuples without parentheses.
#pragma once

#include <string>
#include <vector>

#include "template/ast.h"
#include "template/lexer.h"

namespace faq::tmpl {

// Known filter and test names (checked at parse time, like Jinja's compiler does).
bool HasFilter(const std::string& name);
bool HasTest(const std::string& name);

class Parser {
 public:
  Parser(std::vector<Token> tokens, const SourceMap& map) : tokens_(std::move(tokens)), map_(map) {}
  // Parses the whole template; throws faq::Error "<name>:<line>:<col>: ..." on syntax errors.
  std::vector<NodePtr> ParseTemplate();

 private:
  // Token stream.
  const Token& Cur() const { return tokens_[index_]; }
  const Token& Peek(size_t n = 1) const { return tokens_[std::min(index_ + n, tokens_.size() - 1)]; }
  const Token& Next() { const Token& t = tokens_[index_]; if (index_ + 1 < tokens_.size()) ++index_; return t; }
  bool IsOp(const char* op) const { return Cur().type == Tok::kOp && Cur().text == op; }
  bool IsName(const char* name) const { return Cur().type == Tok::kName && Cur().text == name; }
  bool SkipOp(const char* op);
  bool SkipName(const char* name);
  void ExpectOp(const char* op);
  std::string ExpectName();
  void ExpectBlockEnd();
  [[noreturn]] void Fail(size_t pos, const std::string& msg) const;
  [[noreturn]] void FailUnexpected() const;
  std::string Describe(const Token& t) const;
  NodePtr Make(NodeKind kind) const { return std::make_unique<Node>(kind, Cur().pos); }

  // Statements (parser_stmt.cc).
  std::vector<NodePtr> Subparse(const std::vector<std::string>& end_tokens);
  std::vector<NodePtr> ParseStatements(const std::vector<std::string>& end_tokens, bool drop_needle);
  NodePtr ParseStatement();
  NodePtr ParseFor();
  NodePtr ParseIf();
  NodePtr ParseSet();
  NodePtr ParseMacro();
  NodePtr ParseCallBlock();
  NodePtr ParseFilterBlock();
  NodePtr ParseWith();
  void ParseSignature(Node& node);
  std::vector<std::string> ParseAssignTargets(const char* end_name);

  // Expressions (parser_expr.cc).
  NodePtr ParseTuple(bool with_condexpr, bool explicit_parentheses, const char* extra_end = nullptr);
  NodePtr ParseExpression(bool with_condexpr = true);
  NodePtr ParseCondExpr();
  NodePtr ParseKeywordChain(const char* keyword, NodeKind kind, NodePtr (Parser::*operand)());
  NodePtr ParseOr();
  NodePtr ParseAnd();
  NodePtr ParseNot();
  NodePtr ParseCompare();
  NodePtr ParseMath1();
  NodePtr ParseConcat();
  NodePtr ParseMath2();
  NodePtr ParsePow();
  NodePtr ParseUnary(bool with_filter);
  NodePtr ParsePrimary();
  NodePtr ParsePostfix(NodePtr node);
  NodePtr ParseFilterExpr(NodePtr node);
  NodePtr ParseSubscript(NodePtr node);
  NodePtr ParseSubscribed();
  NodePtr ParseFilter(NodePtr node, bool start_inline);
  NodePtr ParseTest(NodePtr node);
  void ParseCallArgs(Node& node);
  bool IsTupleEnd(const char* extra_end) const;

  // Guards the C++ stack against deeply nested input (Python would hit its recursion limit).
  struct DepthGuard {
    explicit DepthGuard(Parser& p);
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

  std::vector<Token> tokens_;
  const SourceMap& map_;
  size_t index_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace faq::tmpl
