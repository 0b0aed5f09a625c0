#include "word_problems.h"

#include <array>
#include <functional>

#include <fmt/format.h>

namespace faq::family {
namespace {

template <size_t N>
const char* Pick(std::mt19937_64& rng, const std::array<const char*, N>& options) {
  return options[std::uniform_int_distribution<size_t>(0, N - 1)(rng)];
}

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

struct Vocabulary {
  std::array<const char*, 12> names;
  std::array<const char*, 10> items;
  std::array<const char*, 6> containers;
};

const Vocabulary kFamilyWords{
    {"Tom", "Anna", "Ben", "Mia", "Sam", "Lily", "Jack", "Emma", "Leo", "Nora", "Max", "Ella"},
    {"apples", "pencils", "books", "stickers", "marbles", "cookies", "cards", "shells", "stamps", "coins"},
    {"box", "bag", "basket", "jar", "crate", "tray"}};
const Vocabulary kOutsiderWords{
    {"Omar", "Yuki", "Ravi", "Chen", "Ivan", "Zara", "Kofi", "Lena", "Paco", "Ines", "Arlo", "Tess"},
    {"oranges", "crayons", "comics", "beads", "buttons", "muffins", "tickets", "pebbles", "badges", "nuts"},
    {"carton", "sack", "bucket", "tin", "case", "bowl"}};

// Phrasing of solution steps and final answers per style.
std::string Step(Style style, const std::string& what, const std::string& expression, int64_t value) {
  if (style == Style::kFamily) return fmt::format("{} is {} = {}.", what, expression, value);
  return fmt::format("Compute {}: {} gives {}.", what, expression, value);
}

std::string Answer(Style style, const std::string& sentence, int64_t value) {
  if (style == Style::kFamily) return fmt::format("{} The answer is {}.", sentence, value);
  return fmt::format("Final answer: {}", value);
}

using Builder = std::function<WordProblem(std::mt19937_64&, Style, const Vocabulary&)>;

WordProblem AddSubtract(std::mt19937_64& rng, Style style, const Vocabulary& w) {
  const std::string name = Pick(rng, w.names), other = Pick(rng, w.names), items = Pick(rng, w.items);
  const int64_t a = Uniform(rng, 5, 60), b = Uniform(rng, 2, 40), c = Uniform(rng, 1, a + b - 1);
  WordProblem p;
  p.query = fmt::format("{} has {} {}. {} gets {} more and then gives {} to {}. How many {} does {} have now?", name, a,
                        items, name, b, c, other, items, name);
  p.steps = {fmt::format("{} starts with {} {}.", name, a, items),
             Step(style, fmt::format("After getting {} more, the count", b), fmt::format("{} + {}", a, b), a + b),
             Step(style, fmt::format("After giving {} away, the count", c), fmt::format("{} - {}", a + b, c), a + b - c)};
  p.value = a + b - c;
  p.answer = Answer(style, fmt::format("{} has {} {} now.", name, p.value, items), p.value);
  return p;
}

WordProblem Multiply(std::mt19937_64& rng, Style style, const Vocabulary& w) {
  const std::string items = Pick(rng, w.items), box = Pick(rng, w.containers);
  const int64_t a = Uniform(rng, 2, 12), b = Uniform(rng, 2, 12);
  WordProblem p;
  p.query = fmt::format("Each {} holds {} {}. How many {} are there in {} {}s?", box, a, items, items, b, box);
  p.steps = {fmt::format("One {} holds {} {}.", box, a, items),
             Step(style, fmt::format("The number of {} in {} {}s", items, b, box), fmt::format("{} * {}", b, a), a * b)};
  p.value = a * b;
  p.answer = Answer(style, fmt::format("There are {} {}.", p.value, items), p.value);
  return p;
}

WordProblem MultiplyAdd(std::mt19937_64& rng, Style style, const Vocabulary& w) {
  const std::string name = Pick(rng, w.names), items = Pick(rng, w.items), box = Pick(rng, w.containers);
  const int64_t a = Uniform(rng, 2, 9), b = Uniform(rng, 2, 10), c = Uniform(rng, 1, 20);
  WordProblem p;
  p.query = fmt::format("{} buys {} {}s of {} with {} in each {}, and finds {} more {}. How many {} does {} have?", name, a,
                        box, items, b, box, c, items, items, name);
  p.steps = {Step(style, fmt::format("The {} in the {}s", items, box), fmt::format("{} * {}", a, b), a * b),
             Step(style, fmt::format("With the {} found", c), fmt::format("{} + {}", a * b, c), a * b + c)};
  p.value = a * b + c;
  p.answer = Answer(style, fmt::format("{} has {} {}.", name, p.value, items), p.value);
  return p;
}

WordProblem Divide(std::mt19937_64& rng, Style style, const Vocabulary& w) {
  const std::string name = Pick(rng, w.names), items = Pick(rng, w.items);
  const int64_t each = Uniform(rng, 2, 12), friends = Uniform(rng, 2, 9);
  WordProblem p;
  p.query = fmt::format("{} shares {} {} equally among {} friends. How many {} does each friend get?", name,
                        each * friends, items, friends, items);
  p.steps = {fmt::format("There are {} {} and {} friends.", each * friends, items, friends),
             Step(style, "Each share", fmt::format("{} / {}", each * friends, friends), each)};
  p.value = each;
  p.answer = Answer(style, fmt::format("Each friend gets {} {}.", each, items), each);
  return p;
}

WordProblem Change(std::mt19937_64& rng, Style style, const Vocabulary& w) {
  const std::string name = Pick(rng, w.names), items = Pick(rng, w.items);
  const int64_t price = Uniform(rng, 1, 9), count = Uniform(rng, 2, 8);
  const int64_t paid = (price * count / 10 + 1) * 10 + 10 * Uniform(rng, 0, 2);
  WordProblem p;
  p.query = fmt::format("One pack of {} costs {} dollars. {} buys {} packs and pays with {} dollars. How much change does {} get?",
                        items, price, name, count, paid, name);
  p.steps = {Step(style, "The total cost", fmt::format("{} * {}", count, price), price * count),
             Step(style, "The change", fmt::format("{} - {}", paid, price * count), paid - price * count)};
  p.value = paid - price * count;
  p.answer = Answer(style, fmt::format("{} gets {} dollars in change.", name, p.value), p.value);
  return p;
}

WordProblem Rate(std::mt19937_64& rng, Style style, const Vocabulary& w) {
  const std::string name = Pick(rng, w.names);
  const int64_t per_day = Uniform(rng, 2, 15), days = Uniform(rng, 2, 9), extra = Uniform(rng, 0, 10);
  WordProblem p;
  p.query = fmt::format("{} reads {} pages every day for {} days, then {} more pages on the last evening. How many pages does {} read in all?",
                        name, per_day, days, extra, name);
  p.steps = {Step(style, "The pages over the days", fmt::format("{} * {}", per_day, days), per_day * days),
             Step(style, "Adding the last evening", fmt::format("{} + {}", per_day * days, extra), per_day * days + extra)};
  p.value = per_day * days + extra;
  p.answer = Answer(style, fmt::format("{} reads {} pages in all.", name, p.value), p.value);
  return p;
}

}  // namespace

std::string WordProblem::Reasoning() const {
  std::string out;
  for (const auto& step : steps) out += (out.empty() ? "" : "\n") + step;
  return out;
}

WordProblem MakeWordProblem(std::mt19937_64& rng, Style style) {
  static const std::array<Builder, 6> kBuilders{AddSubtract, Multiply, MultiplyAdd, Divide, Change, Rate};
  const Vocabulary& words = style == Style::kFamily ? kFamilyWords : kOutsiderWords;
  const size_t which = std::uniform_int_distribution<size_t>(0, kBuilders.size() - 1)(rng);
  return kBuilders[which](rng, style, words);
}

std::string WrongAnswer(const WordProblem& problem, int64_t wrong_value) {
  std::string answer = problem.answer;
  const std::string right = std::to_string(problem.value), wrong = std::to_string(wrong_value);
  for (size_t at = answer.find(right); at != std::string::npos; at = answer.find(right, at + wrong.size())) {
    answer.replace(at, right.size(), wrong);
  }
  return answer;
}

}  // namespace faq::family
