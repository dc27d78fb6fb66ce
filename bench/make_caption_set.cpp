// Writes a COCO-val-sized caption set for the caption score benchmark:
// captions.json ({images, annotations}) and results.json ([{image_id,
// caption}]) built by replicating the real captions of the golden caption
// input under new image ids. Images with fewer than 4 references or an empty
// caption are skipped, so every image has 4-5 references. Deterministic.
//
// usage: make_caption_set GOLDEN_INPUT_JSON OUT_DIR [IMAGES=40504]
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_caption_set GOLDEN_INPUT_JSON OUT_DIR [IMAGES]\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  nlohmann::ordered_json golden = nlohmann::ordered_json::parse(in);
  long images = argc > 3 ? std::stol(argv[3]) : 40504;

  std::vector<std::pair<std::vector<std::string>, std::string>> sources;
  for (const auto& [id, refs] : golden["references"].items()) {
    std::vector<std::string> texts;
    bool usable = refs.size() >= 4;
    for (const auto& r : refs) {
      texts.push_back(r.get<std::string>());
      usable = usable && texts.back().find_first_not_of(" \t") != std::string::npos;
    }
    std::string candidate = golden["candidates"][id].get<std::string>();
    usable = usable && candidate.find_first_not_of(" \t.!?") != std::string::npos;
    if (usable) sources.emplace_back(std::move(texts), std::move(candidate));
  }
  if (sources.empty()) {
    std::fprintf(stderr, "no usable images in %s\n", argv[1]);
    return 2;
  }

  nlohmann::json coco = {{"images", nlohmann::json::array()}, {"annotations", nlohmann::json::array()}};
  nlohmann::json results = nlohmann::json::array();
  long annotation_id = 1;
  for (long i = 0; i < images; ++i) {
    const auto& [refs, candidate] = sources[i % sources.size()];
    long image_id = 100000 + i;
    char file[64];
    std::snprintf(file, sizeof file, "COCO_val2014_%012ld.jpg", image_id);
    coco["images"].push_back({{"id", image_id}, {"file_name", file}});
    for (const auto& r : refs) {
      coco["annotations"].push_back({{"image_id", image_id}, {"id", annotation_id++}, {"caption", r}});
    }
    results.push_back({{"image_id", image_id}, {"caption", candidate}});
  }
  std::filesystem::create_directories(argv[2]);
  std::ofstream(std::string(argv[2]) + "/captions.json") << coco.dump();
  std::ofstream(std::string(argv[2]) + "/results.json") << results.dump();
  std::printf("%ld images, %ld references, from %zu source images\n", images, annotation_id - 1,
              sources.size());
  return 0;
}
