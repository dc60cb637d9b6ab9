#pragma once
// Dense types used everywhere. Column-major, single precision: one column is one token (or one
// sequence of the batch), so a time step's batch is a contiguous block of columns.
#include <Eigen/Dense>
#include <cstdint>
#include <random>

namespace hitnet {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::VectorXf;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;
using Array = Eigen::ArrayXXf;

// The run's random generator. One per run, seeded from the config; everything stochastic
// (initialisation, dropout, stochastic quantizers) draws from it in a fixed order.
using Rng = std::mt19937_64;

}  // namespace hitnet
