// CPU-only builds: no GPU backend.
#include "groth16.hpp"
namespace zkp {
GpuBackend* gpu_backend() { return nullptr; }
}  // namespace zkp
