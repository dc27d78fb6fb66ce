// `svit-eval report`: the HTML file itself, and the page as headless
// Chromium renders it (skipped when Debian's chromium is not installed).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/test_util.h"

namespace svit {
namespace {

using testing::DataPath;
using testing::ReadJsonFile;
using testing::ReadText;
using testing::RunCli;
using testing::TempDir;

const char* const kPayloads[] = {
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">",
    "</script><script>document.title='PWNED2'</script>",
    "line\u2028separator\u2029and <!-- comment",
};

// A 1x1 PNG.
const unsigned char kPng[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
                              0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
                              0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
                              0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
                              0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

std::string FindChromium() {
  if (const char* env = std::getenv("SVIT_CHROMIUM")) return env;
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

// The DOM after the page's script ran, as headless Chromium prints it.
std::string DumpDom(const std::string& chromium, const std::string& file, const std::string& fragment) {
  TempDir profile;
  TempDir out;
  const std::string command =
      "timeout 120 '" + chromium +
      "' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --user-data-dir='" + profile.path() +
      "' --virtual-time-budget=10000 --dump-dom 'file://" + file + fragment + "' >'" + out.File("dom") +
      "' 2>/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return ReadText(out.File("dom"));
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string InfoText(const std::string& dom) {
  std::smatch match;
  std::regex info("<span id=\"info\">([^<]*)</span>");
  return std::regex_search(dom, match, info) ? match[1].str() : "";
}

// Base: the golden VQAv2 result. Candidate: the perturbed one, with hostile
// answers in its first samples, a question and an image on the first.
struct Fixture {
  TempDir dir;
  std::string base, candidate, images, report;
  size_t changed = 0;

  Fixture() {
    auto base_json = ReadJsonFile(DataPath("reports/vqav2_base.json"));
    auto cand_json = ReadJsonFile(DataPath("reports/vqav2_candidate.json"));
    for (size_t i = 0; i < std::size(kPayloads); ++i) cand_json["per_sample"][i]["prediction"] = kPayloads[i];
    base_json["per_sample"][0]["question"] = "What is <b>this</b>?";
    base_json["per_sample"][0]["image"] = "tiny.png";
    base_json["per_sample"][1]["image"] = "../outside.png";
    for (size_t i = 0; i < base_json["per_sample"].size(); ++i) {
      changed += base_json["per_sample"][i]["score"] != cand_json["per_sample"][i]["score"];
    }
    base = dir.Write("base.json", base_json.dump());
    candidate = dir.Write("candidate.json", cand_json.dump());
    images = dir.File("images");
    std::filesystem::create_directories(images);
    std::ofstream(images + "/tiny.png", std::ios::binary).write(reinterpret_cast<const char*>(kPng), sizeof kPng);
    std::ofstream(dir.File("outside.png"), std::ios::binary).write(reinterpret_cast<const char*>(kPng), sizeof kPng);
    report = dir.File("out/report.html");
    auto result = RunCli({"report", "LLaVA=" + base, "SVIT=" + candidate, "-o", report, "--images", images});
    EXPECT_EQ(result.exit_code, 0) << result.err;
  }
};

TEST(Report, FileEscapesUntrustedTextAndIsSelfContained) {
  Fixture f;
  const std::string html = ReadText(f.report);
  EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:;"),
            std::string::npos);
  EXPECT_EQ(html.find("<script>document.title"), std::string::npos);
  EXPECT_EQ(html.find("</script><script>document.title"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_EQ(html.find("<!-- comment"), std::string::npos);
  EXPECT_EQ(html.find("\u2028"), std::string::npos);
  EXPECT_EQ(html.find("\u2029"), std::string::npos);
  EXPECT_NE(html.find("\\u003cscript\\u003edocument.title='PWNED'\\u003c/script\\u003e"), std::string::npos);
  EXPECT_NE(html.find("line\\u2028separator\\u2029and"), std::string::npos);
  // Exactly two scripts: the data block and the page's own (nonce'd) script.
  EXPECT_EQ(Count(html, "<script"), 2u);
  EXPECT_NE(html.find("<script type=\"application/json\" id=\"svit-data\">"), std::string::npos);
  // No reference to anything outside the file; the in-folder image is
  // embedded, the one outside the folder is not.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("\"tiny.png\":\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  EXPECT_EQ(html.find("outside.png\":\"data:"), std::string::npos);
  EXPECT_NE(html.find("1 images were not embedded"), std::string::npos);
  // Charts and tables.
  EXPECT_NE(html.find("<svg class=\"bars\""), std::string::npos);
  EXPECT_NE(html.find("<path class=\"whisker\""), std::string::npos);
  EXPECT_NE(html.find("<h3>SVIT vs LLaVA</h3>"), std::string::npos);
  EXPECT_NE(html.find("84.0<small> ["), std::string::npos);  // golden VQAv2 overall with its interval
}

TEST(Report, RadarNeedsThreeBenchmarksAndRunsMustLoad) {
  TempDir dir;
  auto runs = RunCli({"report", DataPath("reports/runs/base"), DataPath("reports/runs/candidate"), "-o",
                      dir.File("r.html")});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  const std::string html = ReadText(dir.File("r.html"));
  EXPECT_NE(html.find("<svg class=\"radar\""), std::string::npos);
  EXPECT_NE(html.find("<polygon class=\"model\" fill=\"#d62728\""), std::string::npos);
  auto mismatch = RunCli({"report", DataPath("reports/runs/base"), DataPath("reports/runs/other_dataset"), "-o",
                          dir.File("m.html")});
  ASSERT_EQ(mismatch.exit_code, 0);
  EXPECT_NE(ReadText(dir.File("m.html")).find("refusing to compare runs whose protocols differ"), std::string::npos);
  EXPECT_EQ(RunCli({"report", DataPath("reports/runs/base")}).exit_code, 2);
  EXPECT_EQ(RunCli({"report", "missing-run", "-o", dir.File("x.html"), "--store", dir.File("none")}).exit_code, 2);
}

TEST(ReportBrowser, RendersPagesAndFilters) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  Fixture f;
  const std::string first = DumpDom(chromium, f.report, "");
  EXPECT_NE(first.find("data-rendered=\"yes\""), std::string::npos);
  EXPECT_EQ(Count(first, "data-sample-id="), 50u);
  EXPECT_EQ(InfoText(first), "60 of 60 samples, page 1 of 2");
  EXPECT_NE(first.find("<img src=\"data:image/png;base64,"), std::string::npos);
  EXPECT_NE(first.find("What is &lt;b&gt;this&lt;/b&gt;?"), std::string::npos);

  const std::string second = DumpDom(chromium, f.report, "#task=vqav2&page=2");
  EXPECT_EQ(Count(second, "data-sample-id="), 10u);
  EXPECT_EQ(InfoText(second), "60 of 60 samples, page 2 of 2");

  const std::string changed = DumpDom(chromium, f.report, "#filter=changed");
  EXPECT_EQ(Count(changed, "data-sample-id="), f.changed);
  EXPECT_EQ(InfoText(changed), std::to_string(f.changed) + " of 60 samples, page 1 of 1");

  const std::string search = DumpDom(chromium, f.report, "#q=zebra");
  EXPECT_EQ(Count(search, "data-sample-id="), 3u);  // the three answers set to "zebra"
}

TEST(ReportBrowser, HostileAnswersDoNotExecute) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  Fixture f;
  const std::string dom = DumpDom(chromium, f.report, "");
  ASSERT_NE(dom.find("data-rendered=\"yes\""), std::string::npos) << "the page's own script must have run";
  EXPECT_NE(dom.find("<title>svit-eval report</title>"), std::string::npos);
  EXPECT_EQ(dom.find("PWNED</title>"), std::string::npos);
  EXPECT_EQ(dom.find("PWNED2</title>"), std::string::npos);
  EXPECT_EQ(dom.find("data-pwned=\"1\""), std::string::npos);  // the attribute, not the shown text
  // The answers are shown, as text.
  EXPECT_NE(dom.find("&lt;script&gt;document.title='PWNED'&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("&lt;img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"&gt;"), std::string::npos);
  EXPECT_NE(dom.find("&lt;/script&gt;&lt;script&gt;document.title='PWNED2'&lt;/script&gt;"), std::string::npos);
}

// 100,000 samples: the report is built in seconds and the browser still
// shows a page of 50 rows and filters the whole set.
TEST(ReportBrowser, HundredThousandSamples) {
  TempDir dir;
  const size_t n = 100000;
  for (int model = 0; model < 2; ++model) {
    std::string json = "{\"task\": \"textvqa\", \"metrics\": {\"accuracy\": ";
    std::string samples;
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      const bool right = (i % 3 == 0) || (model == 1 && i % 7 == 0);
      sum += right;
      samples += (i ? ",\n" : "") + std::string("{\"id\": \"q") + std::to_string(i) +
                 "\", \"prediction\": \"answer " + std::to_string(i % 97) + "\", \"extracted\": \"\", \"score\": " +
                 (right ? "1.0" : "0.0") + ", \"status\": \"answered\", \"question\": \"What is item " +
                 std::to_string(i) + "?\"}";
    }
    json += std::to_string(100.0 * sum / n) + "}, \"per_sample\": [" + samples + "]}";
    dir.Write(model ? "b.json" : "a.json", json);
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = RunCli({"report", dir.File("a.json"), dir.File("b.json"), "-o", dir.File("big.html"),
                        "--resamples", "200"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_LT(seconds, 60.0);
  std::printf("[ report ] 100,000 samples x 2 runs: %.2f s, %.1f MB\n", seconds,
              std::filesystem::file_size(dir.File("big.html")) / 1e6);

  const std::string chromium = FindChromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  const std::string dom = DumpDom(chromium, dir.File("big.html"), "#filter=changed&page=3");
  EXPECT_EQ(Count(dom, "data-sample-id="), 50u);
  // Changed: model 1 is also right on multiples of 7 that are not multiples of 3.
  size_t changed = 0;
  for (size_t i = 0; i < n; ++i) changed += (i % 7 == 0) && (i % 3 != 0);
  EXPECT_EQ(InfoText(dom), std::to_string(changed) + " of 100000 samples, page 3 of " +
                               std::to_string((changed + 49) / 50));
}

}  // namespace
}  // namespace svit
