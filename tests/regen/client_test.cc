// The HTTP client against the fault-injecting server, and the text parsers it relies on.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>

#include "fake_openai_server.h"
#include "faq/client/chat_client.h"
#include "faq/client/worker_pool.h"
#include "faq/regen/judge_reply_parser.h"

namespace faq {
namespace {

using testing::Fault;
using testing::FakeOpenAiServer;

nlohmann::json Request(const std::string& query, int n = 1) {
  return {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "Answer.\n\n" + query}}}}, {"n", n}};
}

ChatClientOptions Fast(const std::vector<std::string>& endpoints, int retries = 3) {
  ChatClientOptions o;
  o.endpoints = endpoints;
  o.timeout_seconds = 5;
  o.retry.retries = retries;
  o.retry.base_seconds = 0.01;
  o.retry.max_seconds = 0.05;
  return o;
}

// A loopback port with nothing listening (bound, then closed).
int DeadPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(ChatClient, ReadsReasoningContentAndUsage) {
  FakeOpenAiServer server;
  ChatClient client(Fast({server.base_url()}));
  ChatReply r = client.Complete(Request("two plus two", 2));
  ASSERT_EQ(r.choices.size(), 2u);
  EXPECT_EQ(r.choices[1].content, testing::FakeAnswer("two plus two", 1));
  EXPECT_EQ(r.choices[0].reasoning, std::optional<std::string>("thinking about two plus two"));
  EXPECT_EQ(r.choices[0].finish_reason, "stop");
  EXPECT_EQ(r.usage["completion_tokens"], 20);
  EXPECT_EQ(r.endpoint, server.base_url());
}

TEST(ChatClient, ReadsThinkBlockInContent) {
  FakeOpenAiServer server;
  server.think_in_content = true;
  ChatClient client(Fast({server.base_url()}));
  ChatReply r = client.Complete(Request("why"));
  ASSERT_EQ(r.choices.size(), 1u);
  EXPECT_EQ(r.choices[0].content, testing::FakeAnswer("why", 0));
  EXPECT_EQ(r.choices[0].reasoning, std::optional<std::string>("thinking about why"));
}

TEST(ChatClient, RetriesEveryInjectedFaultThenSucceeds) {
  FakeOpenAiServer server;
  server.retry_after = "0";
  server.stall_seconds = 3;
  server.QueueFaults({Fault::kServerError, Fault::kRateLimit, Fault::kStall, Fault::kDrop, Fault::kTruncate,
                      Fault::kMalformed, Fault::kNoChoices});
  ChatClientOptions o = Fast({server.base_url()}, 7);
  o.timeout_seconds = 0.5;  // the stall outlasts it
  ChatClient client(o);
  ChatReply r = client.Complete(Request("q"));
  EXPECT_EQ(r.attempts, 8);
  EXPECT_EQ(r.choices.at(0).content, testing::FakeAnswer("q", 0));
  EXPECT_EQ(server.SeenCount(), 8u);
}

TEST(ChatClient, GivesUpAfterRetriesWithTheLastError) {
  FakeOpenAiServer server;
  server.QueueFaults({Fault::kServerError, Fault::kServerError, Fault::kServerError});
  ChatClient client(Fast({server.base_url()}, 2));
  try {
    client.Complete(Request("q"));
    FAIL() << "no error";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("gave up after 3 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.SeenCount(), 3u);
}

TEST(ChatClient, DoesNotRetryABadRequest) {
  FakeOpenAiServer server;
  server.reject_n = true;
  ChatClient client(Fast({server.base_url()}, 4));
  try {
    client.Complete(Request("q", 3));
    FAIL() << "no error";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_EQ(server.SeenCount(), 1u);
}

TEST(ChatClient, HonoursRetryAfterSeconds) {
  FakeOpenAiServer server;
  server.retry_after = "1";
  server.QueueFaults({Fault::kRateLimit});
  ChatClient client(Fast({server.base_url()}));
  client.Complete(Request("q"));
  auto seen = server.Seen();
  ASSERT_EQ(seen.size(), 2u);
  double gap = std::chrono::duration<double>(seen[1].arrival - seen[0].arrival).count();
  EXPECT_GE(gap, 1.0);
}

TEST(ChatClient, RoundRobinSkipsADeadEndpoint) {
  FakeOpenAiServer server;
  std::string dead = "http://127.0.0.1:" + std::to_string(DeadPort()) + "/v1";
  ChatClient client(Fast({dead, server.base_url()}, 1));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(client.Complete(Request("q")).endpoint, server.base_url());
  // Every request's first or second attempt reached the live server, exactly once each.
  EXPECT_EQ(server.SeenCount(), 6u);
}

TEST(ChatClient, SendsTheApiKeyFromTheEnvironment) {
  FakeOpenAiServer server;
  ::setenv("FAQ_TEST_API_KEY", "sk-test-123", 1);
  ChatClientOptions o = Fast({server.base_url()});
  o.api_key = ApiKeyFromEnv("FAQ_TEST_API_KEY");
  ChatClient(o).Complete(Request("q"));
  EXPECT_EQ(server.Seen().at(0).authorization, "Bearer sk-test-123");
  EXPECT_THROW(ApiKeyFromEnv("FAQ_TEST_NO_SUCH_VARIABLE"), UsageError);
}

TEST(ChatClient, RejectsNonHttpEndpoints) {
  EXPECT_THROW(ChatClient(Fast({"localhost:8000/v1"})), UsageError);
  EXPECT_THROW(ChatClient(Fast({})), UsageError);
}

TEST(ChatClient, ManyConcurrentRequestsUnderFaultsAllSucceed) {
  FakeOpenAiServer server;
  server.retry_after = "0";
  std::vector<Fault> faults;
  for (int i = 0; i < 10; ++i) {
    for (Fault f : {Fault::kServerError, Fault::kRateLimit, Fault::kDrop, Fault::kTruncate, Fault::kMalformed}) {
      faults.push_back(f);
    }
  }
  server.QueueFaults(faults);
  ChatClient client(Fast({server.base_url()}, 60));
  std::vector<std::string> got(100);
  auto query = [](size_t i) { return fmt::format("q{}", i); };
  RunConcurrently(16, got.size(), [&](size_t i) { got[i] = client.Complete(Request(query(i))).choices.at(0).content; });
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], testing::FakeAnswer(query(i), 0));
  EXPECT_EQ(server.SeenCount(), 150u);
}

TEST(RetryAfter, ParsesSecondsAndHttpDates) {
  std::time_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfter("120", now), 120.0);
  EXPECT_EQ(ParseRetryAfter(" 3 ", now), 3.0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), 30.0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0.0);  // in the past: now
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
}

TEST(RetryPolicy, FullJitterStaysUnderTheCapAndRetryAfterIsAFloor) {
  RetryPolicy p;
  p.base_seconds = 1;
  p.max_seconds = 8;
  std::mt19937_64 rng(7);
  for (int retry = 0; retry < 10; ++retry) {
    double d = p.Delay(retry, std::nullopt, rng);
    EXPECT_GE(d, 0);
    EXPECT_LE(d, std::min(8.0, std::ldexp(1.0, retry)));
    EXPECT_GE(p.Delay(retry, 5.0, rng), 5.0);
  }
  EXPECT_EQ(p.Delay(0, 1e9, rng), p.max_retry_after_seconds);
}

TEST(ChatReplyParse, SplitsThinkBlocks) {
  EXPECT_EQ(SplitThinkBlock("<think>\nr\n</think>\n\nfinal"), std::make_pair(std::optional<std::string>("r"), std::string("final")));
  EXPECT_EQ(SplitThinkBlock("r</think>final"), std::make_pair(std::optional<std::string>("r"), std::string("final")));
  EXPECT_EQ(SplitThinkBlock("<think>cut off while thi"), std::make_pair(std::optional<std::string>("cut off while thi"), std::string()));
  EXPECT_EQ(SplitThinkBlock("plain"), std::make_pair(std::optional<std::string>(), std::string("plain")));
  EXPECT_THROW(ParseChatReply("{\"choices\": 3}", "x"), MalformedReply);
  EXPECT_THROW(ParseChatReply("{\"cho", "x"), MalformedReply);
  ChatReply r = ParseChatReply(R"({"choices":[{"index":1,"message":{"content":"b","reasoning":"rb"}},
                                   {"index":0,"message":{"content":"a"},"finish_reason":"length"}]})", "x");
  ASSERT_EQ(r.choices.size(), 2u);
  EXPECT_EQ(r.choices[0].content, "a");
  EXPECT_EQ(r.choices[0].finish_reason, "length");
  EXPECT_EQ(r.choices[1].reasoning, std::optional<std::string>("rb"));
}

TEST(JudgeReplyParser, ReadsScoresRobustly) {
  EXPECT_EQ(ParseJudgeScore("Score: 7"), 7.0);
  EXPECT_EQ(ParseJudgeScore("The answer is good.\n**Score:** 8"), 8.0);
  EXPECT_EQ(ParseJudgeScore("score = 6.5"), 6.5);
  EXPECT_EQ(ParseJudgeScore("I'd say [[9]]"), 9.0);
  EXPECT_EQ(ParseJudgeScore("Rating: 4/10"), 4.0);
  EXPECT_EQ(ParseJudgeScore("Score: 3 at first, but on reflection Score: 5"), 5.0);  // the last one
  EXPECT_EQ(ParseJudgeScore("<think>Score: 2?</think>Score: 10"), 10.0);
  EXPECT_EQ(ParseJudgeScore("Score: 11"), std::nullopt);
  EXPECT_EQ(ParseJudgeScore("Score: 0"), std::nullopt);
  EXPECT_EQ(ParseJudgeScore("It is fine."), std::nullopt);
  EXPECT_EQ(ParseJudgeScore(""), std::nullopt);
  // Numbers outside double's range (a judge's reply is whatever the remote model wrote):
  // no score, where std::stod threw std::out_of_range out of faq judge (model_reply_fuzz aborts on it).
  EXPECT_EQ(ParseJudgeScore("Score: " + std::string(400, '9')), std::nullopt);
  EXPECT_EQ(ParseJudgeScore("Score: 0." + std::string(400, '0') + "1"), std::nullopt);
  EXPECT_EQ(ParseJudgeScore("[[" + std::string(400, '9') + "]] then Score: 7"), 7.0);
}

TEST(JudgeReplyParser, ReadsPairwiseChoices) {
  EXPECT_EQ(ParseJudgeChoice("Winner: A"), 'A');
  EXPECT_EQ(ParseJudgeChoice("After comparing, [[B]]"), 'B');
  EXPECT_EQ(ParseJudgeChoice("B"), 'B');
  EXPECT_EQ(ParseJudgeChoice("**A**."), 'A');
  EXPECT_EQ(ParseJudgeChoice("Answer A is vague. Winner: B"), 'B');
  EXPECT_EQ(ParseJudgeChoice("the answer is a bit long"), std::nullopt);
  EXPECT_EQ(ParseJudgeChoice("Both are good."), std::nullopt);
}

}  // namespace
}  // namespace faq
