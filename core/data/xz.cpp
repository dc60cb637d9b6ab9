#include "core/data/xz.hpp"

#include <lzma.h>

#include <cstdint>

#include "core/data/error.hpp"

namespace hitnet {
namespace {

std::string lzma_message(lzma_ret ret) {
  switch (ret) {
    case LZMA_MEM_ERROR:
      return "out of memory";
    case LZMA_FORMAT_ERROR:
      return "not in the .xz format";
    case LZMA_OPTIONS_ERROR:
      return "unsupported compression options";
    case LZMA_DATA_ERROR:
      return "corrupt compressed data";
    case LZMA_BUF_ERROR:
      return "truncated compressed data";
    default:
      return "liblzma error " + std::to_string(static_cast<int>(ret));
  }
}

}  // namespace

std::string xz_decompress(std::string_view compressed, const std::string& name) {
  lzma_stream strm = LZMA_STREAM_INIT;
  if (lzma_ret ret = lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED); ret != LZMA_OK)
    throw DataError(name + ": cannot start xz decoder: " + lzma_message(ret));

  std::string out;
  // Text compresses 4-5x; starting there avoids most regrowth.
  out.resize(compressed.size() * 5 + 4096);
  strm.next_in = reinterpret_cast<const uint8_t*>(compressed.data());
  strm.avail_in = compressed.size();
  lzma_ret ret = LZMA_OK;
  while (ret == LZMA_OK) {
    if (strm.total_out == out.size()) out.resize(out.size() * 2);
    strm.next_out = reinterpret_cast<uint8_t*>(out.data()) + strm.total_out;
    strm.avail_out = out.size() - strm.total_out;
    // LZMA_FINISH: all input is already there, so the decoder may report truncation.
    ret = lzma_code(&strm, LZMA_FINISH);
  }
  out.resize(strm.total_out);
  lzma_end(&strm);
  if (ret != LZMA_STREAM_END) throw DataError(name + ": cannot decompress: " + lzma_message(ret));
  return out;
}

}  // namespace hitnet
