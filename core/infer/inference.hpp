#pragma once
// The inference library (target hitnet_infer) in one include: load a packed model
// (packed_format.hpp), run batches of streams one token at a time (session.hpp), and the ternary
// kernels underneath (ternary_kernels.hpp). No training code: a program that only runs models
// links hitnet_infer alone.
#include "core/infer/packed_format.hpp"
#include "core/infer/packed_model.hpp"
#include "core/infer/session.hpp"
#include "core/infer/ternary_kernels.hpp"
