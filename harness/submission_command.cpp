// `svit-eval submission`: the upload files of server-scored benchmarks
// (VQAv2 and VizWiz test splits on EvalAI, MMBench on OpenCompass) from a
// run / score result or a LLaVA answer file.
#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/run_arguments.h"
#include "results/store.h"
#include "results/submission.h"
#include "tasks/vqa_format.h"

namespace po = boost::program_options;

namespace svit {
namespace {

int Fail(const Status& status) { return ReportFailure("submission", status); }

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// LLaVA answer JSON-lines {question_id, text}; a later line for the same id
// replaces an earlier one, as LLaVA's converters' dict does (MMBench rounds).
Status ReadLlavaAnswers(const std::string& path, AnswerMap* out) {
  return ForEachJsonLine(path, [&](size_t line, JsonValue value) -> Status {
    Where where{path, line};
    JsonObject object;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
    std::string id;
    std::string_view text;
    SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &id));
    SVIT_RETURN_IF_ERROR(GetString(object, "text", where, &text));
    (*out)[id] = std::string(text);
    return Status::OK();
  });
}

Status AnswersFromRun(const RunSet& run, const std::string& task_name, AnswerMap* out) {
  auto it = run.tasks.find(task_name);
  if (it == run.tasks.end()) {
    std::string have;
    for (const auto& [name, task] : run.tasks) have += (have.empty() ? "" : ", ") + name;
    return Status::InvalidInput(run.source + ": no task '" + task_name + "' (it has: " + have +
                                "; choose with --task)");
  }
  for (const auto& s : it->second.score.per_sample) {
    if (s.status != SampleStatus::kFailed) (*out)[s.id] = s.prediction;
  }
  return Status::OK();
}

Status ReadVqav2QuestionIds(const std::string& path, std::vector<std::string>* ids) {
  if (EndsWith(path, ".jsonl")) {
    return ForEachJsonLine(path, [&](size_t line, JsonValue value) -> Status {
      JsonObject object;
      SVIT_RETURN_IF_ERROR(GetObject(value, Where{path, line}, &object));
      ids->emplace_back();
      return GetId(object, "question_id", Where{path, line}, &ids->back());
    });
  }
  VqaQuestions questions;
  SVIT_RETURN_IF_ERROR(LoadVqaQuestions(path, &questions));
  *ids = questions.ids;
  return Status::OK();
}

// LLaVA's llava_test.jsonl {question_id, image}, or VizWiz's own test.json
// [{image, question}] where the image file name is the question's id.
Status ReadVizWizQuestions(const std::string& path, std::vector<VizWizQuestion>* out) {
  if (EndsWith(path, ".jsonl")) {
    return ForEachJsonLine(path, [&](size_t line, JsonValue value) -> Status {
      Where where{path, line};
      JsonObject object;
      SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
      VizWizQuestion q;
      std::string_view image;
      SVIT_RETURN_IF_ERROR(GetId(object, "question_id", where, &q.id));
      SVIT_RETURN_IF_ERROR(GetString(object, "image", where, &image));
      q.image.assign(image);
      out->push_back(std::move(q));
      return Status::OK();
    });
  }
  JsonDocument document;
  SVIT_RETURN_IF_ERROR(document.Load(path));
  JsonArray list;
  if (document.root().get(list) != simdjson::SUCCESS) {
    return Status::InvalidInput(path + ": expected a JSON list [{image, question}] or a .jsonl file");
  }
  size_t index = 0;
  for (JsonValue value : list) {
    Where where{path, 0, "", index++};
    JsonObject object;
    SVIT_RETURN_IF_ERROR(GetObject(value, where, &object));
    std::string_view image;
    SVIT_RETURN_IF_ERROR(GetString(object, "image", where, &image));
    out->push_back({std::string(image), std::string(image)});
  }
  return Status::OK();
}

}  // namespace

int RunSubmissionCommand(const std::vector<std::string>& args) {
  po::options_description options("submission options");
  options.add_options()
      ("help,h", "show this help")
      ("benchmark", po::value<std::string>(), "vqav2, vizwiz or mmbench")
      ("questions", po::value<std::string>(),
       "vqav2: test questions (official JSON or LLaVA .jsonl); vizwiz: LLaVA .jsonl or test.json; "
       "mmbench: the annotation TSV")
      ("run", po::value<std::string>(), "a run or score result holding the answers")
      ("task", po::value<std::string>(), "the run's task to take answers from (default: the benchmark)")
      ("answers", po::value<std::string>(), "a LLaVA answer .jsonl instead of --run")
      ("output,o", po::value<std::string>(), "the upload file (mmbench: .xlsx, .tsv or .csv)")
      ("store", po::value<std::string>(), "results store to look run ids up in");
  po::variables_map vm;
  int usage_exit = 0;
  if (!ParseCommandLine("submission", args, options, nullptr, &vm, &usage_exit)) return usage_exit;
  if (vm.count("help")) {
    std::printf("usage: svit-eval submission --benchmark vqav2|vizwiz|mmbench --questions FILE\n"
                "                            (--run RUN [--task NAME] | --answers FILE) -o FILE\n\n"
                "Makes the upload file of a server-scored benchmark as LLaVA's converters do:\n"
                "  vqav2   EvalAI JSON [{question_id, answer}], answers through EvalAIAnswerProcessor,\n"
                "          \"\" for unanswered test questions\n"
                "  vizwiz  EvalAI JSON [{image, answer}], every question must be answered\n"
                "  mmbench the annotation table with a prediction column (.xlsx, .tsv or .csv)\n\n");
    std::cout << options;
    return 0;
  }
  for (const char* required : {"benchmark", "questions", "output"}) {
    if (!vm.count(required)) return Fail(Status::InvalidInput(std::string("--") + required + " is required"));
  }
  if (vm.count("run") == vm.count("answers")) {
    return Fail(Status::InvalidInput("give exactly one of --run and --answers"));
  }
  const std::string benchmark = vm["benchmark"].as<std::string>();
  if (benchmark != "vqav2" && benchmark != "vizwiz" && benchmark != "mmbench") {
    return Fail(Status::InvalidInput("--benchmark must be vqav2, vizwiz or mmbench, got '" + benchmark + "'"));
  }
  const std::string output = vm["output"].as<std::string>();
  const std::string questions = vm["questions"].as<std::string>();

  AnswerMap answers;
  Status status;
  if (vm.count("answers")) {
    status = ReadLlavaAnswers(vm["answers"].as<std::string>(), &answers);
  } else {
    RunSet run;
    const std::string store = vm.count("store") ? vm["store"].as<std::string>() : DefaultStorePath();
    status = LoadRunArgument(vm["run"].as<std::string>(), store, &run);
    if (status.ok()) status = AnswersFromRun(run, vm.count("task") ? vm["task"].as<std::string>() : benchmark, &answers);
  }
  if (!status.ok()) return Fail(status);

  std::string content;
  SubmissionSummary summary;
  if (benchmark == "vqav2") {
    std::vector<std::string> ids;
    status = ReadVqav2QuestionIds(questions, &ids);
    if (status.ok()) status = MakeVqav2Submission(ids, answers, &content, &summary);
  } else if (benchmark == "vizwiz") {
    std::vector<VizWizQuestion> list;
    status = ReadVizWizQuestions(questions, &list);
    if (status.ok()) status = MakeVizWizSubmission(list, answers, &content, &summary);
  } else {
    if (!EndsWith(output, ".xlsx") && !EndsWith(output, ".tsv") && !EndsWith(output, ".csv")) {
      return Fail(Status::InvalidInput("--output for mmbench must end in .xlsx, .tsv or .csv"));
    }
    Table annotations, upload;
    status = ReadTsv(questions, &annotations);
    if (status.ok()) status = MakeMmbenchUploadTable(annotations, answers, &upload, &summary);
    if (status.ok()) {
      content = EndsWith(output, ".xlsx") ? TableToXlsx(upload, {"index"})
                                          : TableToDelimited(upload, EndsWith(output, ".tsv") ? '\t' : ',');
    }
  }
  if (status.ok()) status = WriteTextFile(output, content);
  if (!status.ok()) return Fail(status);
  std::printf("%s: %zu questions, %zu answered, %zu without an answer", output.c_str(), summary.questions,
              summary.answered, summary.missing);
  if (summary.unused_answers) std::printf(", %zu answers for ids not in --questions ignored", summary.unused_answers);
  std::printf("\n");
  return 0;
}

}  // namespace svit
