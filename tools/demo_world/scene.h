// A synthetic visual world for the demo suite: scenes of coloured shapes with
// sizes, positions, counts and spatial relations, plus their rendering. It
// plays the role Visual Genome plays for SVIT: the annotations every
// benchmark question and every training instruction is written from.
//
// Deterministic on every platform: a scene depends only on the seed given to
// its Rng (our own generator, not std:: distributions, whose output is
// implementation-defined), and rendering uses fixed supersampling.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace svit::demo {

// SplitMix64: small, fast and fully specified.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform integer in [lo, hi] (inclusive).
  int Uniform(int lo, int hi);
  bool Chance(int percent) { return Uniform(0, 99) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Uniform(0, static_cast<int>(items.size()) - 1)];
  }
  template <typename T>
  void Shuffle(std::vector<T>* items) {
    for (int i = static_cast<int>(items->size()) - 1; i > 0; --i) std::swap((*items)[i], (*items)[Uniform(0, i)]);
  }

 private:
  uint64_t state_;
};

enum class Shape { kCircle, kSquare, kTriangle };
enum class Color { kRed, kGreen, kBlue, kYellow, kPurple, kOrange };
enum class Size { kSmall, kLarge };

inline constexpr int kShapeCount = 3;
inline constexpr int kColorCount = 6;

const char* ShapeName(Shape shape);
const char* ShapePlural(Shape shape);
const char* ColorName(Color color);
const char* SizeName(Size size);

struct Object {
  Shape shape;
  Color color;
  Size size;
  int cx, cy, radius;  // pixels; the bounding box is centre +- radius

  // "red circle"
  std::string Name() const;
  // 0..kShapeCount*kColorCount-1: the object's category for POPE-style questions.
  int Category() const { return static_cast<int>(shape) * kColorCount + static_cast<int>(color); }
};

std::string CategoryName(int category);

enum class Relation { kLeftOf, kRightOf, kAbove, kBelow };
const char* RelationPhrase(Relation relation);  // "to the left of"

struct Scene {
  int64_t id = 0;
  int width = 0, height = 0;
  uint8_t background[3] = {0, 0, 0};
  std::vector<Object> objects;

  // Relations that hold between objects a and b (a is <relation> b); a
  // relation needs a clear margin so the annotation is never borderline.
  std::vector<Relation> RelationsBetween(size_t a, size_t b) const;
  // Where an object sits: "left", "middle" or "right" / "top", "middle", "bottom".
  std::string HorizontalPlace(const Object& object) const;
  std::string VerticalPlace(const Object& object) const;
  int CountShape(Shape shape) const;
  int CountColor(Color color) const;
  int CountCategory(int category) const;
  bool HasCategory(int category) const { return CountCategory(category) > 0; }
  // The index of the only object with this shape (or colour), or -1.
  int UniqueShape(Shape shape) const;
  int UniqueColor(Color color) const;
  int UniqueCategory(int category) const;
};

struct SceneOptions {
  int width = 80;
  int height = 60;
  int min_objects = 1;
  int max_objects = 5;
};

// Draws a scene: object count, attributes and non-overlapping positions.
Scene MakeScene(int64_t id, const SceneOptions& options, Rng* rng);

// Renders a scene as packed 8-bit RGB, row-major, with 4x4 supersampled edges.
std::vector<uint8_t> RenderScene(const Scene& scene);

}  // namespace svit::demo
