// Writes a VQAv2-format evaluation set for the score benchmark:
// v2_OpenEnded_mscoco_val2014_questions.json, v2_mscoco_val2014_annotations.json
// (10 human answers per question) and results.json ([{question_id, answer}]),
// with the answer noise real model outputs have (case, punctuation, articles,
// number words). Deterministic: the same arguments give the same bytes.
// With IMAGE_BYTES > 0 it also writes OUT_DIR/images/COCO_val2014_<id>.jpg
// for every image the questions show (one per three questions): JPEG magic
// followed by random bytes, IMAGE_BYTES in all, distinct per image. Nothing
// decodes them unless a run downscales (--max-side).
//
// usage: make_vqav2_set OUT_DIR [NUM_QUESTIONS=200000] [IMAGE_BYTES=0]
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "results/score_json.h"

namespace {

struct Kind {
  const char* answer_type;
  std::vector<const char*> question_types;
  std::vector<const char*> answers;
};

const std::vector<Kind>& Kinds() {
  static const std::vector<Kind> kKinds = {
      {"yes/no", {"is the", "are there", "does the", "is this", "can you"}, {"yes", "no"}},
      {"number",
       {"how many", "what number is", "how many people are"},
       {"0", "1", "2", "3", "4", "5", "6", "10", "two", "1,000", "2.5"}},
      {"other",
       {"what color is the", "what is the", "what sport is", "where is the", "what is on the"},
       {"red", "white", "blue", "red and white", "tennis", "baseball", "t-shirt", "kitchen",
        "on table", "dog", "cat", "frisbee", "st. patrick's day", "don't know", "grass"}},
  };
  return kKinds;
}

// Model-like noise on an answer.
std::string Noisy(std::string answer, uint64_t r) {
  switch (r % 8) {
    case 0: answer[0] = static_cast<char>(std::toupper(answer[0])); break;
    case 1: answer += "."; break;
    case 2: answer = "the " + answer; break;
    case 3: answer += "\n"; break;
    case 4: answer = " " + answer + "?"; break;
    default: break;
  }
  return answer;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_vqav2_set OUT_DIR [NUM_QUESTIONS=200000] [IMAGE_BYTES=0]\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  long count = argc > 2 ? std::stol(argv[2]) : 200000;
  long image_bytes = argc > 3 ? std::stol(argv[3]) : 0;
  std::filesystem::create_directories(dir);
  if (image_bytes > 0) {
    std::filesystem::create_directories(dir / "images");
    std::mt19937_64 pixels(7);
    std::string image;
    for (long image_id = 100000; image_id <= 100000 + (count - 1) / 3; ++image_id) {
      image.assign("\xFF\xD8\xFF\xE0");
      while (static_cast<long>(image.size()) < image_bytes) image.push_back(static_cast<char>(pixels() & 0xFF));
      char name[64];
      std::snprintf(name, sizeof name, "COCO_val2014_%012ld.jpg", image_id);
      std::ofstream(dir / "images" / name, std::ios::binary) << image;
    }
  }
  std::mt19937_64 rng(20230707);

  std::ofstream questions(dir / "v2_OpenEnded_mscoco_val2014_questions.json", std::ios::binary);
  std::ofstream annotations(dir / "v2_mscoco_val2014_annotations.json", std::ios::binary);
  std::ofstream results(dir / "results.json", std::ios::binary);
  questions << "{\"info\": {}, \"task_type\": \"Open-Ended\", \"data_type\": \"mscoco\", "
               "\"license\": {}, \"data_subtype\": \"val2014\", \"questions\": [";
  annotations << "{\"info\": {}, \"license\": {}, \"data_subtype\": \"val2014\", "
                 "\"annotations\": [";
  results << "[";
  const char* confidences[] = {"yes", "maybe", "no"};
  std::string line;
  for (long i = 0; i < count; ++i) {
    const Kind& kind = Kinds()[rng() % Kinds().size()];
    const char* question_type = kind.question_types[rng() % kind.question_types.size()];
    long image_id = 100000 + i / 3;
    long question_id = image_id * 1000 + i % 3;
    std::string majority = kind.answers[rng() % kind.answers.size()];
    const char* sep = i ? ", " : "";

    line = sep;
    line += "{\"image_id\": " + std::to_string(image_id) + ", \"question\": ";
    svit::AppendJsonString(std::string(question_type) + " object number " + std::to_string(i) + "?", &line);
    line += ", \"question_id\": " + std::to_string(question_id) + "}";
    questions << line;

    line = sep;
    line += "{\"question_type\": ";
    svit::AppendJsonString(question_type, &line);
    line += ", \"multiple_choice_answer\": ";
    svit::AppendJsonString(majority, &line);
    line += ", \"answers\": [";
    bool unanimous = rng() % 3 == 0;
    for (int a = 0; a < 10; ++a) {
      std::string answer = unanimous || rng() % 10 < 6 ? majority
                                                      : std::string(kind.answers[rng() % kind.answers.size()]);
      if (!unanimous && rng() % 10 == 0) answer = Noisy(answer, rng());
      line += a ? ", {\"answer\": " : "{\"answer\": ";
      svit::AppendJsonString(answer, &line);
      line += ", \"answer_confidence\": \"";
      line += confidences[rng() % 3];
      line += "\", \"answer_id\": " + std::to_string(a + 1) + "}";
    }
    line += "], \"image_id\": " + std::to_string(image_id) + ", \"answer_type\": \"" +
            kind.answer_type + "\", \"question_id\": " + std::to_string(question_id) + "}";
    annotations << line;

    std::string prediction = rng() % 4 == 0 ? std::string(kind.answers[rng() % kind.answers.size()]) : majority;
    line = sep;
    line += "{\"question_id\": " + std::to_string(question_id) + ", \"answer\": ";
    svit::AppendJsonString(Noisy(prediction, rng()), &line);
    line += "}";
    results << line;
  }
  questions << "]}\n";
  annotations << "]}\n";
  results << "]\n";
  std::printf("wrote %ld questions%s to %s\n", count, image_bytes > 0 ? " and their images" : "", dir.c_str());
  return 0;
}
