#include "core/io/hdf5.hpp"

#include <utility>

namespace hitnet::h5 {

namespace {

constexpr unsigned kGzipLevel = 4;            // HDF5's usual speed/size compromise
constexpr hsize_t kSeriesChunk = 256;         // epochs per chunk of a metric series
constexpr hsize_t kCompactBytes = 16 * 1024;  // arrays up to this size are stored compact

// The innermost and outermost messages of the current HDF5 error stack.
std::string hdf5_message() {
  std::vector<std::string> messages;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->push_back(
            std::string(e->func_name ? e->func_name : "?") + ": " + (e->desc ? e->desc : "?"));
        return 0;
      },
      &messages);
  if (messages.empty()) return "unknown HDF5 error";
  if (messages.size() == 1) return messages.front();
  return messages.back() + " (" + messages.front() + ")";
}

Handle attr_create(hid_t obj, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists(obj, name.c_str()) > 0) {
    check_status(H5Adelete(obj, name.c_str()), "delete attribute " + name);
  }
  return {check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                "create attribute " + name),
          H5Aclose};
}

Handle scalar_space() {
  return {check(H5Screate(H5S_SCALAR), "create dataspace"), H5Sclose};
}

Handle vector_space(hsize_t n, hsize_t max_n) {
  return {check(H5Screate_simple(1, &n, &max_n), "create dataspace"), H5Sclose};
}

// A UTF-8 string type of `size` bytes (H5T_VARIABLE: variable length, as files before format
// 3 of results.h5 stored their string attributes).
Handle utf8_string_type(size_t size) {
  Handle type(check(H5Tcopy(H5T_C_S1), "copy string type"), H5Tclose);
  check_status(H5Tset_size(type, size == 0 ? 1 : size), "set string size");
  check_status(H5Tset_strpad(type, H5T_STR_NULLPAD), "set string padding");
  check_status(H5Tset_cset(type, H5T_CSET_UTF8), "set string charset");
  return type;
}

// Chunked + shuffle + gzip creation properties for a 1-D dataset, each chunk with a Fletcher-32
// checksum: a resumed run reads its results back, and damaged data must be an error, not
// numbers carried on. (Metadata, and small arrays kept inside it, have checksums of their own
// in the 1.8 object format.) All three filters are built into every HDF5 reader.
Handle compressed_layout(hsize_t chunk) {
  Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "create dataset properties"), H5Pclose);
  check_status(H5Pset_chunk(dcpl, 1, &chunk), "set chunk");
  check_status(H5Pset_shuffle(dcpl), "set shuffle filter");
  check_status(H5Pset_deflate(dcpl, kGzipLevel), "set gzip filter");
  check_status(H5Pset_fletcher32(dcpl), "set checksum filter");
  return dcpl;
}

// Small arrays (a 101-bin histogram) live inside their object header: a chunked dataset's
// index alone would be larger than the data, and compression gains nothing at that size.
Handle compact_layout() {
  Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "create dataset properties"), H5Pclose);
  check_status(H5Pset_layout(dcpl, H5D_COMPACT), "set compact layout");
  return dcpl;
}

template <class T>
void write_array_of(hid_t loc, const std::string& name, const std::vector<T>& values,
                    hid_t file_type, hid_t mem_type) {
  const hsize_t n = values.size();
  Handle space = vector_space(n, n);
  Handle dcpl = n * sizeof(T) <= kCompactBytes ? compact_layout() : compressed_layout(n);
  Handle ds(check(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  "create dataset " + name),
            H5Dclose);
  if (n > 0) {
    check_status(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                 "write dataset " + name);
  }
}

}  // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = std::exchange(o.id_, H5I_INVALID_HID);
    closer_ = o.closer_;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = H5I_INVALID_HID;
}

void Handle::close() {
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  if (id >= 0 && closer_) check_status(closer_(id), "close");
}

QuietErrors::QuietErrors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw Error(what + ": " + hdf5_message());
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw Error(what + ": " + hdf5_message());
}

Handle create_file(const std::string& path) {
  // 1.8 object format: compact groups and attributes (small files), readable by any HDF5 >= 1.8.
  // Not "latest": that format marks files open for writing, so a crashed writer's file would
  // refuse plain opens until h5clear is run.
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "create file access properties"), H5Pclose);
  check_status(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), "set format");
  return {check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), "create " + path),
          H5Fclose};
}

Handle open_file(const std::string& path, bool writable) {
  return {check(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT),
                "open " + path),
          H5Fclose};
}

Handle open_group(hid_t loc, const std::string& name) {
  return {check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "open group " + name), H5Gclose};
}

Handle create_group(hid_t loc, const std::string& name) {
  return {check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "create group " + name),
          H5Gclose};
}

Handle open_or_create_group(hid_t loc, const std::string& name) {
  return exists(loc, name) ? open_group(loc, name) : create_group(loc, name);
}

Handle open_dataset(hid_t loc, const std::string& name) {
  return {check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "open dataset " + name), H5Dclose};
}

bool exists(hid_t loc, const std::string& name) {
  const htri_t e = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  check_status(e, "look up " + name);
  return e > 0;
}

void remove(hid_t loc, const std::string& name) {
  if (exists(loc, name)) check_status(H5Ldelete(loc, name.c_str(), H5P_DEFAULT), "delete " + name);
}

// Fixed-length, not variable-length: a variable-length string lives in the file's global heap,
// which has no checksum, so damage there went unnoticed; a fixed-length one is stored in the
// attribute message itself, inside its checksummed object header.
void write_attr(hid_t obj, const std::string& name, const std::string& value) {
  Handle type = utf8_string_type(value.size());
  Handle space = scalar_space();
  Handle attr = attr_create(obj, name, type, space);
  check_status(H5Awrite(attr, type, value.c_str()), "write attribute " + name);
}

void write_attr(hid_t obj, const std::string& name, double value) {
  Handle space = scalar_space();
  Handle attr = attr_create(obj, name, H5T_IEEE_F64LE, space);
  check_status(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), "write attribute " + name);
}

void write_attr(hid_t obj, const std::string& name, int64_t value) {
  Handle space = scalar_space();
  Handle attr = attr_create(obj, name, H5T_STD_I64LE, space);
  check_status(H5Awrite(attr, H5T_NATIVE_INT64, &value), "write attribute " + name);
}

void write_attr(hid_t obj, const std::string& name, const std::vector<double>& values) {
  Handle space = vector_space(values.size(), values.size());
  Handle attr = attr_create(obj, name, H5T_IEEE_F64LE, space);
  check_status(H5Awrite(attr, H5T_NATIVE_DOUBLE, values.data()), "write attribute " + name);
}

bool has_attr(hid_t obj, const std::string& name) {
  const htri_t e = H5Aexists(obj, name.c_str());
  check_status(e, "look up attribute " + name);
  return e > 0;
}

std::string read_string_attr(hid_t obj, const std::string& name) {
  Handle attr(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  Handle stored(check(H5Aget_type(attr), "type of attribute " + name), H5Tclose);
  const htri_t variable = H5Tis_variable_str(stored);
  check_status(variable, "type of attribute " + name);
  if (variable > 0) {
    Handle type = utf8_string_type(H5T_VARIABLE);
    char* data = nullptr;
    check_status(H5Aread(attr, type, &data), "read attribute " + name + " as a string");
    std::string value = data ? data : "";
    H5free_memory(data);
    return value;
  }
  const size_t size = H5Tget_size(stored);
  if (size == 0) throw Error("attribute " + name + " is not a string");
  std::string value(size, '\0');
  Handle type = utf8_string_type(size);
  check_status(H5Aread(attr, type, value.data()), "read attribute " + name + " as a string");
  value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
  return value;
}

int64_t read_int_attr(hid_t obj, const std::string& name) {
  Handle attr(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "open attribute " + name), H5Aclose);
  int64_t value = 0;
  check_status(H5Aread(attr, H5T_NATIVE_INT64, &value), "read attribute " + name);
  return value;
}

void write_array(hid_t loc, const std::string& name, const std::vector<double>& values) {
  write_array_of(loc, name, values, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}

// Stored signed: numpy mixes uint64 with ints into float64, and counts never reach 2^63.
void write_array(hid_t loc, const std::string& name, const std::vector<uint64_t>& values) {
  write_array_of(loc, name, values, H5T_STD_I64LE, H5T_NATIVE_UINT64);
}

void create_series(hid_t loc, const std::string& name, hid_t file_type) {
  Handle space = vector_space(0, H5S_UNLIMITED);
  Handle dcpl = compressed_layout(kSeriesChunk);
  Handle ds(check(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  "create dataset " + name),
            H5Dclose);
}

std::size_t length(hid_t dataset) {
  Handle space(check(H5Dget_space(dataset), "get dataspace"), H5Sclose);
  hsize_t n = 0;
  check_status(H5Sget_simple_extent_dims(space, &n, nullptr), "get dataset length");
  return n;
}

void append(hid_t dataset, double value) {
  const hsize_t n = length(dataset), one = 1, grown = n + 1;
  check_status(H5Dset_extent(dataset, &grown), "extend dataset");
  Handle file_space(check(H5Dget_space(dataset), "get dataspace"), H5Sclose);
  check_status(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &n, nullptr, &one, nullptr),
               "select last row");
  Handle mem_space = vector_space(1, 1);
  check_status(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, mem_space, file_space, H5P_DEFAULT, &value),
               "append to dataset");
}

void truncate(hid_t dataset, std::size_t n) {
  const hsize_t size = n;
  check_status(H5Dset_extent(dataset, &size), "shrink dataset");
}

std::vector<double> read_doubles(hid_t dataset) {
  std::vector<double> values(length(dataset));
  if (!values.empty()) {
    check_status(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                 "read dataset");
  }
  return values;
}

void read_all_datasets(hid_t file) {
  std::vector<std::string> paths;
  check_status(H5Ovisit(
                   file, H5_INDEX_NAME, H5_ITER_INC,
                   [](hid_t, const char* name, const H5O_info_t* info, void* out) -> herr_t {
                     if (info->type == H5O_TYPE_DATASET)
                       static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                     return 0;
                   },
                   &paths),
               "list datasets");
  for (const std::string& path : paths) {
    Handle dataset(check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "open " + path), H5Dclose);
    read_doubles(dataset);  // checksums are verified as the data is read
  }
}

}  // namespace hitnet::h5
