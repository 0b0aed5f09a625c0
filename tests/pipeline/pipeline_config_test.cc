// faq pipeline's config: YAML to stage flags, --set overrides, errors that name the field.
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "faq/pipeline/pipeline_config.h"
#include "faq/pipeline/run_manifest.h"
#include "faq/quant/quantize_options.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::ErrorOf;
using testing::TempDir;

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = QuantizeOptionSpecs();
  return specs;
}

// The options of the commands FlowStyleConfig()'s sections configure, declared as faq's parser
// declares them (the binary reads the real ones from its own registration).
const StageCommands& Commands() {
  static const StageCommands commands{
      {"regenerate",
       {"faq regenerate", {{"endpoint"}, {"model"}, {"seeds"}, {"out"}, {"n"}, {"temperature"}, {"seed"}, {"no-cot", false}}}},
      {"judge", {"faq judge", {{"endpoint"}, {"model"}, {"candidates"}, {"out"}, {"mode"}, {"no-judge", false}}}},
      {"assemble", {"faq assemble", {{"tokenizer"}, {"in"}, {"out"}, {"max-tokens"}, {"no-chat-template", false}}}},
      {"eval", {"faq eval ppl", {{"model"}, {"data"}, {"seqlen"}, {"max-windows"}, {"json", false}}}},
      {"servers", {"faq serve", {{"model"}, {"port"}, {"max-batch"}}}},
  };
  return commands;
}

// A config in flow style, shared with the fuzz corpus (tests/fuzz/make_corpus.py).
const std::string& FlowStyleConfig() {
  static const std::string text = ReadFile(testing::SourceDir() / "tests/pipeline/data/flow_style.yaml");
  return text;
}

TEST(PipelineConfigTest, ReadsStagesAndMergesRunOptions) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  const PipelineConfig c = LoadPipelineConfig(dir / "p.yaml", {}, Specs(), Commands());
  EXPECT_EQ(c.run_dir, "out/run");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].model, "models/e");
  EXPECT_EQ(c.servers[0].options, nlohmann::json({{"max_batch", 4}}));
  ASSERT_EQ(c.quantize_runs.size(), 2u);
  EXPECT_EQ(c.quantize_runs[1].options,
            nlohmann::json({{"method", "gptq"}, {"group_size", 32}, {"bits", 3}, {"act_order", true}}));
  EXPECT_EQ(c.eval_data.at("chat"), "held.jsonl");
  EXPECT_EQ(c.eval_options, nlohmann::json({{"seqlen", 256}}));
  EXPECT_EQ(c.calibrations, (std::vector<std::string>{"base", "faq"}));
}

TEST(PipelineConfigTest, NprocIsTakenFromQuantizeRunsAndEvalNotPassedAsAFlag) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  const PipelineConfig c = LoadPipelineConfig(
      dir / "p.yaml", {"quantize.options.nproc=2", "quantize.runs=[{name: w4, bits: 4, nproc: 3}, {name: w3, bits: 3}]",
                       "eval.nproc=4"},
      Specs(), Commands());
  ASSERT_EQ(c.quantize_runs.size(), 2u);
  EXPECT_EQ(c.quantize_runs[0].nproc, 3);  // the run's own wins over the section's options
  EXPECT_EQ(c.quantize_runs[1].nproc, 2);
  EXPECT_EQ(c.eval_nproc, 4);
  EXPECT_FALSE(c.eval_options.contains("nproc"));
  for (const auto& run : c.quantize_runs) {
    EXPECT_EQ(std::find(run.flags.begin(), run.flags.end(), "--nproc"), run.flags.end());
  }
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {"eval.nproc=0"}, Specs(), Commands()); })
                .find("p.yaml: eval.nproc: expected a number of processes from 1 to 4096, got 0"),
            std::string::npos);
}

TEST(PipelineConfigTest, OverridesReachNestedKeysAndTypeTheirValues) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  const PipelineConfig c = LoadPipelineConfig(
      dir / "p.yaml", {"regenerate.n=5", "judge.no_judge=true", "eval.data.wiki=w.raw", "run_dir=elsewhere"}, Specs(), Commands());
  EXPECT_EQ(c.regenerate["n"], 5);
  EXPECT_EQ(c.judge["no_judge"], true);
  EXPECT_EQ(c.eval_data.at("wiki"), "w.raw");
  EXPECT_EQ(c.run_dir, "elsewhere");
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {"novalue"}, Specs(), Commands()); }).find("key.path=value"), std::string::npos);
  // A section the file does not have is created; a value is not a map to set into.
  EXPECT_EQ(LoadPipelineConfig(dir / "p.yaml", {"assemble.max_tokens=64"}, Specs(), Commands()).assemble["max_tokens"], 64);
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {"target.x=1"}, Specs(), Commands()); })
                .find("'x' is under a value that is not a map"),
            std::string::npos);
  // An integer past 64 bits reaches the stage as written, not clamped to another number.
  EXPECT_EQ(LoadPipelineConfig(dir / "p.yaml", {"regenerate.n=99999999999999999999"}, Specs(), Commands())
                .regenerate["n"],
            "99999999999999999999");
  // A value that is not YAML is the command line's fault: a usage error naming the assignment.
  try {
    LoadPipelineConfig(dir / "p.yaml", {"regenerate.stop=["}, Specs(), Commands());
    ADD_FAILURE() << "an unparseable --set value was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--set regenerate.stop=["), std::string::npos) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a usage error: " << e.what();
  }
}

TEST(PipelineConfigTest, CalibrationFilesCarryTheirOwnQuantizeOptions) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  const auto calibrations = [&](const std::string& list) {
    return LoadPipelineConfig(dir / "p.yaml", {"quantize.calibrations=" + list, "quantize.options.calib_mode=per-record"},
                              Specs(), Commands());
  };
  const PipelineConfig c =
      calibrations("[base, {name: wiki, file: w.txt, options: {calib_mode: concat, calib_skip: 4096}}, faq]");
  EXPECT_EQ(c.calibrations, (std::vector<std::string>{"base", "wiki", "faq"}));
  EXPECT_EQ(c.calibration_files.at("wiki").file, "w.txt");
  const auto& flags = c.quantize_runs[0].flags_by_calibration;
  const auto has = [](const std::vector<std::string>& f, const std::string& flag, const std::string& value) {
    const auto at = std::find(f.begin(), f.end(), flag);
    return at != f.end() && at + 1 != f.end() && at[1] == value;
  };
  EXPECT_TRUE(has(flags.at("wiki"), "--calib-mode", "concat")) << fmt::format("{}", fmt::join(flags.at("wiki"), " "));
  EXPECT_TRUE(has(flags.at("wiki"), "--calib-skip", "4096"));
  EXPECT_TRUE(has(flags.at("base"), "--calib-mode", "per-record"));
  EXPECT_TRUE(has(flags.at("faq"), "--calib-mode", "per-record"));
  EXPECT_TRUE(has(flags.at("wiki"), "--bits", "4")) << "the run's own options stay";

  for (const auto& [list, message] : std::vector<std::pair<std::string, std::string>>{
           {"[{name: faq, file: x}]", "name 'faq' must be"},
           {"[{name: a b, file: x}]", "name 'a b' must be"},
           {"[{name: wiki}]", "field 'file' must be a non-empty string"},
           {"[{name: wiki, file: x, opts: {}}]", "opts: not a key of a calibration file entry"},
           {"[{name: wiki, file: x, options: {calib: y}}]", "options.calib is set by the pipeline"},
           {"[{name: wiki, file: x, options: {calib_skipp: 1}}]", "calib_skipp: not an option of faq quantize"},
           {"[{name: wiki, file: x, options: {calib_skip: -1}}]", "calib_skip"},
           {"[base, base]", "names 'base' twice"}}) {
    EXPECT_NE(ErrorOf([&] { calibrations(list); }).find(message), std::string::npos)
        << list << ": " << ErrorOf([&] { calibrations(list); });
  }
}

TEST(PipelineConfigTest, QuantizeCalibrationsMustNameAtLeastOneSet) {
  TempDir dir;
  for (const char* value : {"[]", "faq", "{a: 1}"}) {
    const std::string text = std::string(FlowStyleConfig()).replace(FlowStyleConfig().find("quantize:\n"), 10,
                                                                    std::string("quantize:\n  calibrations: ") + value + "\n");
    WriteFileAtomic(dir / "p.yaml", text);
    EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {}, Specs(), Commands()); }).find("quantize.calibrations"),
              std::string::npos)
        << value;
  }
}

TEST(PipelineConfigTest, FlagsFollowTheLongOptionNamesAndFalseIsNeverDropped) {
  const StageCommand command{"faq x", {{"max-tokens"}, {"no-cot", false}, {"sym", false, "asym"}, {"act-order", false},
                                        {"endpoint"}, {"temperature"}, {"skip"}, {"list"}}};
  const nlohmann::json options = {{"max_tokens", 64}, {"no_cot", true}, {"sym", false}, {"act_order", false},
                                  {"endpoint", "http://a/v1"}, {"temperature", 0.5}, {"skip", nullptr},
                                  {"list", {"a", "b"}}};
  const std::vector<std::string> expected{"--act-order=false", "--endpoint", "http://a/v1", "--list", "a,b",
                                          "--max-tokens", "64", "--no-cot", "--asym", "--temperature", "0.5"};
  EXPECT_EQ(OptionsToFlags(options, command, "p.yaml: s"), expected);
  // A boolean for an option that takes a value (or the reverse) names the file and the key.
  EXPECT_EQ(ErrorOf([&] { OptionsToFlags({{"temperature", false}}, command, "p.yaml: regenerate"); }),
            "p.yaml: regenerate.temperature: --temperature takes a value, not false");
  EXPECT_EQ(ErrorOf([&] { OptionsToFlags({{"no_cot", "yes"}}, command, "p.yaml: regenerate"); }),
            "p.yaml: regenerate.no_cot: expected true or false, got \"yes\"");
}

TEST(PipelineConfigTest, AFalseForAnOptionThatTakesAValueIsRefusedAtLoad) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  for (const char* set : {"eval.max_windows=false", "regenerate.temperature=false", "servers.elder.max_batch=false",
                          "judge.no_judge=7"}) {
    const std::string key = std::string(set).substr(0, std::string(set).find('='));
    EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {set}, Specs(), Commands()); })
                  .find("p.yaml: " + key + ": "),
              std::string::npos)
        << set;
  }
}

// Every key of a stage section is checked when the config is loaded, not when its step
// runs: a typo, or an option the pipeline sets itself, names the file and the key.
TEST(PipelineConfigTest, StageSectionKeysAreCheckedAtLoad) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  const std::vector<std::pair<std::string, std::string>> cases{
      {"eval.max_windws=5", "p.yaml: eval.max_windws: not an option of faq eval ppl (`faq eval ppl --help` lists them)"},
      {"regenerate.temprature=0.3", "p.yaml: regenerate.temprature: not an option of faq regenerate"},
      {"judge.rubrik=r.txt", "p.yaml: judge.rubrik: not an option of faq judge"},
      {"servers.elder.max_bach=2", "p.yaml: servers.elder.max_bach: not an option of faq serve"},
      {"judge.out=elsewhere.jsonl", "p.yaml: judge.out: the pipeline gives faq judge its --out itself"},
      {"regenerate.seeds=other.jsonl", "p.yaml: regenerate.seeds: the pipeline gives faq regenerate its --seeds itself"},
      {"eval.json=true", "p.yaml: eval.json: the pipeline gives faq eval ppl its --json itself"},
      {"servers.elder.port=8000", "p.yaml: servers.elder.port: the pipeline gives faq serve its --port itself"},
  };
  for (const auto& [set, message] : cases) {
    EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {set}, Specs(), Commands()); }).find(message),
              std::string::npos)
        << set << ": " << ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {set}, Specs(), Commands()); });
  }
}

TEST(PipelineConfigTest, ErrorsNameTheFileAndField) {
  TempDir dir;
  WriteFileAtomic(dir / "a.yaml", "target: m\n");
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "a.yaml", {}, Specs(), Commands()); }).find("a.yaml: field 'seeds'"), std::string::npos);
  WriteFileAtomic(dir / "b.yaml", "target: m\nseeds: s\nregenrate: {n: 2}\n");
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "b.yaml", {}, Specs(), Commands()); }).find("unknown field 'regenrate'"), std::string::npos);
  WriteFileAtomic(dir / "c.yaml", "target: m\nseeds: s\nregenerate: {endpoint: 'serve:nobody'}\n");
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "c.yaml", {}, Specs(), Commands()); }).find("'serve:nobody' names no entry"), std::string::npos);
  WriteFileAtomic(dir / "d.yaml", "target: m\nseeds: s\nquantize: {calibrations: [wiki]}\n");
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "d.yaml", {}, Specs(), Commands()); }).find("quantize.calibrations"), std::string::npos);
  WriteFileAtomic(dir / "e.yaml", "target: [unclosed\n");
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "e.yaml", {}, Specs(), Commands()); }).find("e.yaml: not valid YAML"), std::string::npos);
}

// Inputs found by tests/fuzz/pipeline_yaml_fuzz: each used to escape as a library exception
// (std::terminate) instead of an error naming the file.
TEST(PipelineConfigTest, MalformedValuesAreErrorsNamingTheFile) {
  TempDir dir;
  // Bytes that are not UTF-8 (a Latin-1 'ä'): nlohmann::json refused to print them in the message.
  WriteFileAtomic(dir / "latin1.yaml", "target: m\nseeds: s\nquantize: {calibrations: [fa\xe4q]}\n");
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "latin1.yaml", {}, Specs(), Commands()); }).find("latin1.yaml: "),
            std::string::npos);
  // Fields read with a default, given another type: nlohmann's value() threw type_error.
  const std::pair<const char*, const char*> wrong_types[] = {
      {"run_dir: [a]\ntarget: m\nseeds: s\n", "field 'run_dir' must be a string"},
      {"target: m\nseeds: s\nregenerate: {endpoint: [a]}\n", "regenerate: field 'endpoint' must be a string"},
      {"target: m\nseeds: s\njudge: {endpoint: 8}\n", "judge: field 'endpoint' must be a string"},
      {"target: m\nseeds: s\nquantize: {options: gptq, runs: [{name: w4}]}\n", "field 'options' must be a map"},
  };
  for (const auto& [yaml, message] : wrong_types) {
    WriteFileAtomic(dir / "typed.yaml", yaml);
    EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "typed.yaml", {}, Specs(), Commands()); }).find(message), std::string::npos)
        << yaml;
  }
  // `run_dir:` with no value is null, as if absent: the default.
  WriteFileAtomic(dir / "null.yaml", "run_dir:\ntarget: m\nseeds: s\n");
  EXPECT_EQ(LoadPipelineConfig(dir / "null.yaml", {}, Specs(), Commands()).run_dir, "faq-run");
}

TEST(PipelineConfigTest, QuantizeOptionsBecomeCheckedFlagsAndFalseNegates) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  const PipelineConfig c =
      LoadPipelineConfig(dir / "p.yaml", {"quantize.options.sym=false", "quantize.options.damp=0.02"}, Specs(), Commands());
  const auto& flags = c.quantize_runs[1].flags;
  auto has = [&](const std::vector<std::string>& want) {
    return std::search(flags.begin(), flags.end(), want.begin(), want.end()) != flags.end();
  };
  EXPECT_TRUE(has({"--asym"})) << "sym: false must reach faq quantize";
  EXPECT_TRUE(has({"--act-order"}));
  EXPECT_TRUE(has({"--bits", "3"}));
  EXPECT_TRUE(has({"--group-size", "32"}));
  EXPECT_TRUE(has({"--damp", "0.02"}));
  const PipelineConfig off = LoadPipelineConfig(dir / "p.yaml", {"quantize.options.act_order=false"}, Specs(), Commands());
  EXPECT_NE(std::find(off.quantize_runs[0].flags.begin(), off.quantize_runs[0].flags.end(), "--no-act-order"),
            off.quantize_runs[0].flags.end());
}

TEST(PipelineConfigTest, QuantizeOptionsAreCheckedAtLoad) {
  TempDir dir;
  WriteFileAtomic(dir / "p.yaml", FlowStyleConfig());
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {"quantize.options.group_size=0"}, Specs(), Commands()); })
                .find("quantize.runs[w4].group_size: expected a positive group size or -1 (per channel), got '0'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {"quantize.options.grup_size=64"}, Specs(), Commands()); })
                .find("quantize.runs[w4].grup_size: not an option of faq quantize"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { LoadPipelineConfig(dir / "p.yaml", {"quantize.options.damp=[1, 2]"}, Specs(), Commands()); })
                .find("expected a single value"),
            std::string::npos);
}

TEST(RunManifestTest, AStepIsDoneOnlyWithTheSameFingerprintAndItsOutputs) {
  TempDir dir;
  WriteFileAtomic(dir / "out.txt", "x");
  {
    RunManifest m(dir / "manifest.json");
    m.MarkStarted("quantize/a", "f1", {"quantize"});
    EXPECT_FALSE(m.IsDone("quantize/a", "f1", {dir / "out.txt"}));  // started, not finished
    m.MarkDone("quantize/a", {{"ppl", 3.5}}, 1.0);
  }
  RunManifest reloaded(dir / "manifest.json");
  EXPECT_TRUE(reloaded.IsDone("quantize/a", "f1", {dir / "out.txt"}));
  EXPECT_FALSE(reloaded.IsDone("quantize/a", "f2", {dir / "out.txt"}));
  EXPECT_FALSE(reloaded.IsDone("quantize/a", "f1", {dir / "missing.txt"}));
  EXPECT_EQ(reloaded.Result("quantize/a")["ppl"], 3.5);
}

TEST(RunManifestTest, FingerprintsFollowContent) {
  TempDir dir;
  WriteFileAtomic(dir / "a.txt", "one");
  const std::string before = ContentFingerprint(dir / "a.txt");
  WriteFileAtomic(dir / "a.txt", "two");
  EXPECT_NE(ContentFingerprint(dir / "a.txt"), before);
  std::filesystem::create_directories(dir / "d");
  WriteFileAtomic(dir / "d/x", "1");
  const std::string d1 = ContentFingerprint(dir / "d");
  WriteFileAtomic(dir / "d/y", "");
  EXPECT_NE(ContentFingerprint(dir / "d"), d1);  // a new (even empty) file changes a directory
  EXPECT_NE(ErrorOf([&] { ContentFingerprint(dir / "nope"); }).find("does not exist"), std::string::npos);
}

TEST(RunManifestTest, LargeFilesCountBySizeAndModificationTime) {
  TempDir dir;
  const auto big = dir / "model-00001-of-00002.safetensors";
  { std::ofstream(big).put('x'); }
  std::filesystem::resize_file(big, 65ull << 20);  // sparse: no 65 MiB written
  const std::string first = ContentFingerprint(big);
  EXPECT_EQ(ContentFingerprint(big), first);
  std::filesystem::last_write_time(big, std::filesystem::last_write_time(big) - std::chrono::hours(1));
  EXPECT_NE(ContentFingerprint(big), first) << "a rewritten shard must change the fingerprint";
}

}  // namespace
}  // namespace faq
