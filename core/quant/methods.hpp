#pragma once
// The quantizer factories that registry.cpp lists, each defined in core/quant/<name>.cpp.
// They are only called with a spec that validate_quant_spec() accepted.
#include "core/config/config.hpp"
#include "core/quant/quantizer.hpp"

namespace hitnet {

QuantizerPtr make_fp_quantizer(const QuantSpec& spec, Domain domain);
QuantizerPtr make_uniform_quantizer(const QuantSpec& spec, Domain domain);
QuantizerPtr make_binary_quantizer(const QuantSpec& spec, Domain domain);
QuantizerPtr make_ttq_quantizer(const QuantSpec& spec, Domain domain);
QuantizerPtr make_btq_quantizer(const QuantSpec& spec, Domain domain);
QuantizerPtr make_pow2_quantizer(const QuantSpec& spec, Domain domain);
QuantizerPtr make_balanced_quantizer(const QuantSpec& spec, Domain domain);
QuantizerPtr make_alternating_quantizer(const QuantSpec& spec, Domain domain);

}  // namespace hitnet
