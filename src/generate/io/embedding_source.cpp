// Review embeddings from one safetensors file, memory-mapped (see embedding_source.h).
#include "dep/generate/embedding_source.h"

#include "dep/core/error.h"
#include "dep/core/safetensors.h"

namespace dep {

namespace {

class SafetensorsReviewEmbeddings : public ReviewEmbeddings {
 public:
  explicit SafetensorsReviewEmbeddings(const std::string& path) : file_(SafetensorsFile::open(path)) {
    for (const auto& info : file_->tensors()) {
      if (info.dtype != Dtype::kF32 || info.shape.size() != 2) {
        fail(path + ": " + info.name, std::string("expected an F32 [rows, dim] tensor, found ") +
                                          dtype_name(info.dtype) + " " + shape_string(info.shape));
      }
      if (dim_ == 0) dim_ = info.shape[1];
      if (info.shape[1] != dim_) {
        fail(path + ": " + info.name, "has width " + std::to_string(info.shape[1]) + ", the others " + std::to_string(dim_));
      }
    }
    if (dim_ == 0) fail(path, "holds no embeddings");
  }
  int64_t dim() const override { return dim_; }
  const float* user_rows(const std::string& category, const std::string& user_id, int64_t* rows) const override {
    const auto key = review_embedding_key(category, user_id);
    const TensorInfo* info = file_->find(key);
    if (!info) fail(file_->path() + ": " + key, "no embeddings for this user (embed the split's users first)");
    *rows = info->shape[0];
    return reinterpret_cast<const float*>(file_->data(*info));
  }
  // A keyed text's vector (PPlug's task texts): a [1, dim] tensor named by its key.
  const float* keyed_row(const std::string& key) const override {
    const TensorInfo* info = file_->find(key);
    if (!info) fail(file_->path() + ": " + key, "no embedding for this key");
    if (info->shape[0] != 1) fail(file_->path() + ": " + key, "expected one row, found " + shape_string(info->shape));
    return reinterpret_cast<const float*>(file_->data(*info));
  }

 private:
  std::shared_ptr<SafetensorsFile> file_;
  int64_t dim_ = 0;
};

}  // namespace

std::string review_embedding_key(const std::string& category, const std::string& user_id) {
  return category + "/" + user_id;
}

std::unique_ptr<ReviewEmbeddings> open_review_embeddings(const std::string& path) {
  if (path.empty()) fail("embeddings", "no review embeddings configured");
  return std::make_unique<SafetensorsReviewEmbeddings>(path);
}

}  // namespace dep
