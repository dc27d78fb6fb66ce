#include "tools/demo_world/scene.h"

#include <algorithm>
#include <cstdlib>

namespace svit::demo {

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

int Rng::Uniform(int lo, int hi) {
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int>(Next() % span);
}

const char* ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kCircle: return "circle";
    case Shape::kSquare: return "square";
    case Shape::kTriangle: return "triangle";
  }
  return "";
}

const char* ShapePlural(Shape shape) {
  switch (shape) {
    case Shape::kCircle: return "circles";
    case Shape::kSquare: return "squares";
    case Shape::kTriangle: return "triangles";
  }
  return "";
}

const char* ColorName(Color color) {
  switch (color) {
    case Color::kRed: return "red";
    case Color::kGreen: return "green";
    case Color::kBlue: return "blue";
    case Color::kYellow: return "yellow";
    case Color::kPurple: return "purple";
    case Color::kOrange: return "orange";
  }
  return "";
}

const char* SizeName(Size size) { return size == Size::kSmall ? "small" : "large"; }

std::string Object::Name() const { return std::string(ColorName(color)) + " " + ShapeName(shape); }

std::string CategoryName(int category) {
  return std::string(ColorName(static_cast<Color>(category % kColorCount))) + " " +
         ShapeName(static_cast<Shape>(category / kColorCount));
}

const char* RelationPhrase(Relation relation) {
  switch (relation) {
    case Relation::kLeftOf: return "to the left of";
    case Relation::kRightOf: return "to the right of";
    case Relation::kAbove: return "above";
    case Relation::kBelow: return "below";
  }
  return "";
}

namespace {

// Centres must differ by this many pixels for a relation to be annotated.
constexpr int kRelationMargin = 6;

const uint8_t kPalette[kColorCount][3] = {
    {215, 38, 38},   // red
    {36, 160, 60},   // green
    {40, 80, 215},   // blue
    {235, 205, 35},  // yellow
    {140, 55, 175},  // purple
    {245, 130, 25},  // orange
};

bool Inside(const Object& o, double x, double y) {
  const double dx = x - o.cx, dy = y - o.cy, r = o.radius;
  switch (o.shape) {
    case Shape::kCircle:
      return dx * dx + dy * dy <= r * r;
    case Shape::kSquare:
      return std::abs(dx) <= 0.85 * r && std::abs(dy) <= 0.85 * r;
    case Shape::kTriangle: {
      // Apex at the top, base 0.8 r below the centre.
      if (dy < -r || dy > 0.8 * r) return false;
      const double t = (dy + r) / (1.8 * r);
      return std::abs(dx) <= t * r;
    }
  }
  return false;
}

}  // namespace

std::vector<Relation> Scene::RelationsBetween(size_t a, size_t b) const {
  std::vector<Relation> out;
  const Object& oa = objects[a];
  const Object& ob = objects[b];
  if (oa.cx + kRelationMargin <= ob.cx) out.push_back(Relation::kLeftOf);
  if (ob.cx + kRelationMargin <= oa.cx) out.push_back(Relation::kRightOf);
  if (oa.cy + kRelationMargin <= ob.cy) out.push_back(Relation::kAbove);
  if (ob.cy + kRelationMargin <= oa.cy) out.push_back(Relation::kBelow);
  return out;
}

std::string Scene::HorizontalPlace(const Object& object) const {
  if (object.cx * 3 < width) return "left";
  if (object.cx * 3 >= 2 * width) return "right";
  return "middle";
}

std::string Scene::VerticalPlace(const Object& object) const {
  if (object.cy * 3 < height) return "top";
  if (object.cy * 3 >= 2 * height) return "bottom";
  return "middle";
}

int Scene::CountShape(Shape shape) const {
  return static_cast<int>(std::count_if(objects.begin(), objects.end(),
                                        [&](const Object& o) { return o.shape == shape; }));
}

int Scene::CountColor(Color color) const {
  return static_cast<int>(std::count_if(objects.begin(), objects.end(),
                                        [&](const Object& o) { return o.color == color; }));
}

int Scene::CountCategory(int category) const {
  return static_cast<int>(std::count_if(objects.begin(), objects.end(),
                                        [&](const Object& o) { return o.Category() == category; }));
}

namespace {
template <typename Pred>
int UniqueIndex(const std::vector<Object>& objects, Pred pred) {
  int found = -1;
  for (size_t i = 0; i < objects.size(); ++i) {
    if (!pred(objects[i])) continue;
    if (found >= 0) return -1;
    found = static_cast<int>(i);
  }
  return found;
}
}  // namespace

int Scene::UniqueShape(Shape shape) const {
  return UniqueIndex(objects, [&](const Object& o) { return o.shape == shape; });
}
int Scene::UniqueColor(Color color) const {
  return UniqueIndex(objects, [&](const Object& o) { return o.color == color; });
}
int Scene::UniqueCategory(int category) const {
  return UniqueIndex(objects, [&](const Object& o) { return o.Category() == category; });
}

Scene MakeScene(int64_t id, const SceneOptions& options, Rng* rng) {
  Scene scene;
  scene.id = id;
  scene.width = options.width;
  scene.height = options.height;
  const int grey = rng->Uniform(195, 225);
  scene.background[0] = static_cast<uint8_t>(grey + rng->Uniform(-6, 6));
  scene.background[1] = static_cast<uint8_t>(grey + rng->Uniform(-6, 6));
  scene.background[2] = static_cast<uint8_t>(grey + rng->Uniform(-6, 6));
  const int wanted = rng->Uniform(options.min_objects, options.max_objects);
  // Rejection sampling of non-overlapping discs; a crowded scene simply
  // ends up with fewer objects than drawn, which keeps counts varied.
  for (int attempt = 0; attempt < 200 && static_cast<int>(scene.objects.size()) < wanted; ++attempt) {
    Object o;
    o.shape = static_cast<Shape>(rng->Uniform(0, kShapeCount - 1));
    o.color = static_cast<Color>(rng->Uniform(0, kColorCount - 1));
    o.size = rng->Chance(50) ? Size::kSmall : Size::kLarge;
    o.radius = o.size == Size::kSmall ? rng->Uniform(5, 7) : rng->Uniform(10, 13);
    o.cx = rng->Uniform(o.radius + 1, scene.width - o.radius - 2);
    o.cy = rng->Uniform(o.radius + 1, scene.height - o.radius - 2);
    bool clear = true;
    for (const Object& other : scene.objects) {
      const int dx = o.cx - other.cx, dy = o.cy - other.cy, gap = o.radius + other.radius + 3;
      if (dx * dx + dy * dy < gap * gap) clear = false;
    }
    if (clear) scene.objects.push_back(o);
  }
  return scene;
}

std::vector<uint8_t> RenderScene(const Scene& scene) {
  std::vector<uint8_t> rgb(static_cast<size_t>(scene.width) * scene.height * 3);
  constexpr int kSub = 4;
  for (int y = 0; y < scene.height; ++y) {
    for (int x = 0; x < scene.width; ++x) {
      int sum[3] = {0, 0, 0};
      for (int sy = 0; sy < kSub; ++sy) {
        for (int sx = 0; sx < kSub; ++sx) {
          const double px = x + (sx + 0.5) / kSub, py = y + (sy + 0.5) / kSub;
          const uint8_t* colour = scene.background;
          for (const Object& o : scene.objects) {
            if (Inside(o, px, py)) colour = kPalette[static_cast<int>(o.color)];
          }
          for (int c = 0; c < 3; ++c) sum[c] += colour[c];
        }
      }
      uint8_t* out = &rgb[(static_cast<size_t>(y) * scene.width + x) * 3];
      for (int c = 0; c < 3; ++c) out[c] = static_cast<uint8_t>((sum[c] + kSub * kSub / 2) / (kSub * kSub));
    }
  }
  return rgb;
}

}  // namespace svit::demo
