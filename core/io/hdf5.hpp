#pragma once
// A thin layer over the HDF5 C API: handles that close themselves, errors that become
// exceptions naming the file and the operation, and the few attribute/dataset shapes the
// results file uses. The C API is used directly everywhere else; this only removes boilerplate.
#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hitnet::h5 {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Owns an hid_t and releases it with the matching H5?close. Movable, not copyable.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: handles are passed straight to H5 calls
  void reset();  // closes now (H5Fclose errors surface here rather than silently at scope exit)
  void close();  // like reset() but throws when HDF5 reports a failure

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// From the first one constructed on, HDF5 never prints its error stack to stderr: failures are
// reported through the exceptions thrown by check() instead, which carry the innermost HDF5
// message. Deliberately not restored at scope exit: after a corrupted file, HDF5 keeps internal
// blocks it cannot free, and at process exit its library shutdown then prints "HDF5: infinite
// loop closing library" and a long internal line whenever its error printing is on.
class QuietErrors {
 public:
  QuietErrors();
};

// Throws Error("<what>: <HDF5 message>") when id/status is negative.
hid_t check(hid_t id, const std::string& what);
void check_status(herr_t status, const std::string& what);

Handle create_file(const std::string& path);  // truncates; compact (1.8+) object format
Handle open_file(const std::string& path, bool writable);
Handle open_group(hid_t loc, const std::string& name);
Handle create_group(hid_t loc, const std::string& name);
Handle open_or_create_group(hid_t loc, const std::string& name);
Handle open_dataset(hid_t loc, const std::string& name);
bool exists(hid_t loc, const std::string& name);  // a direct child link of loc
void remove(hid_t loc, const std::string& name);  // unlinks if present

// Attributes (replaced if present). Strings are variable-length UTF-8 (h5py gives str).
void write_attr(hid_t obj, const std::string& name, const std::string& value);
void write_attr(hid_t obj, const std::string& name, double value);
void write_attr(hid_t obj, const std::string& name, int64_t value);
void write_attr(hid_t obj, const std::string& name, const std::vector<double>& values);
bool has_attr(hid_t obj, const std::string& name);
std::string read_string_attr(hid_t obj, const std::string& name);
int64_t read_int_attr(hid_t obj, const std::string& name);

// 1-D datasets. Up to 16 KiB compact (inside the object header), larger ones chunked and
// gzip+shuffle compressed (every HDF5 reader has both filters).
void write_array(hid_t loc, const std::string& name, const std::vector<double>& values);
void write_array(hid_t loc, const std::string& name, const std::vector<uint64_t>& values);
// An empty 1-D dataset of unlimited length, chunked and compressed, for a per-epoch series;
// grown by append().
void create_series(hid_t loc, const std::string& name, hid_t file_type);
void append(hid_t dataset, double value);     // converted to the dataset's type
void truncate(hid_t dataset, std::size_t n);  // shrinks a series to its first n values
std::size_t length(hid_t dataset);
std::vector<double> read_doubles(hid_t dataset);
// Reads every dataset of the file, so that a damaged one (a failed checksum, an unreadable
// chunk) is an error now rather than numbers silently carried on. Throws naming the dataset.
void read_all_datasets(hid_t file);

}  // namespace hitnet::h5
