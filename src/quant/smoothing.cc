// FoldSmoothingScale.
#include "faq/quant/smoothing.h"

#include <ATen/ATen.h>

#include "faq/util/error.h"

namespace faq {

void FoldSmoothingScale(GroupTensors& g, const at::Tensor& s) {
  FAQ_CHECK(g.smoothing_norm != nullptr || g.smoothing_linear != nullptr, "group {} has no smoothing source",
            g.group->name);
  for (Linear* l : g.linears) l->weight = l->weight * s.to(l->weight.scalar_type()).unsqueeze(0);
  if (g.smoothing_norm != nullptr) *g.smoothing_norm = *g.smoothing_norm / s.to(g.smoothing_norm->scalar_type());
  if (g.smoothing_linear != nullptr) {
    Linear& source = *g.smoothing_linear;
    source.weight = source.weight / s.to(source.weight.scalar_type()).unsqueeze(1);
    if (source.bias.defined()) source.bias = source.bias / s.to(source.bias.scalar_type());
  }
}

}  // namespace faq
