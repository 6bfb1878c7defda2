// The meter's COSEM object model (cosem-object-model.md): which objects a virtual meter
// offers over DLMS, with their OBIS codes, classes, attributes, scaler/unit and access
// rights per client role, and how each attribute is read from (or written to) the Meter.
//
// Two parts, so that a fleet of a million meters pays for the model once:
//   - MeterObjectTable: the objects and their access rights, built once per meter
//     configuration (MeterCosemInfo), immutable and shared by every meter that has it;
//   - MeterDirectory: a per-meter adapter (two references) that answers a CosemServer's
//     GET/SET/ACTION from the table and one Meter.
//
// Values are the meter's own integers: energy in Wh / varh / VAh (scaler 0, exact to the
// last Wh), power in W, voltage in 0.1 V, current in 0.01 A, power factor and frequency
// with scaler -2. Profiles (class 7) put the clock first in their capture objects and
// accept selective access by range (selector 1, on the clock column) and by entry
// (selector 2), as common clients expect (cosem-object-model.md, "Interoperability").
//
// Roles: the public client reads the logical device name, meter number and clock; the
// reader (LLS) reads everything; the management client (HLS) also sets the clock
// (attribute 2, method 6 shift_time). Used on the meter's actor thread only.
#ifndef VMUC_METERS_COSEM_METER_DIRECTORY_H_
#define VMUC_METERS_COSEM_METER_DIRECTORY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dlms/cosem_server.h"
#include "meters/meter.h"

namespace vmuc::meters {

// What the model shows besides the meter's state: its identity strings and local time.
struct MeterCosemInfo {
  std::string flag_id = "KAM";                     // manufacturer FLAG id, 3 letters
  std::string type_number = "6841121BN243101040";  // 1.1.96.1.1.255
  std::string firmware_id = "OMNIA 3.0";           // 1.0.0.2.0.255
  std::chrono::minutes gmt_offset{0};              // Z11; the clock's time_zone
  bool dst_enabled = false;                        // Z15
  uint16_t integration_period_min = 15;            // Z4: the load profile's capture period
  // Which loggers the configuration has: only those are in the object list.
  bool load_profile = true;
  bool analysis_log = false;
  bool debit_log_2 = false;
  bool pulse_input = false;  // Z12 other than 00
};

// The logical device name (0.0.42.0.0.255): the FLAG id, then the meter number (16 bytes
// in all, as common clients show it).
std::string LogicalDeviceName(const MeterCosemInfo& info, const MeterIdentity& identity);

class MeterDirectory;

class MeterObjectTable {
 public:
  explicit MeterObjectTable(MeterCosemInfo info);

  const MeterCosemInfo& info() const { return info_; }
  // How many objects each role sees (for docs and tests).
  size_t size(dlms::ClientRole role) const;

 private:
  friend class MeterDirectory;

  // Reads one attribute (2..n; attribute 1 is the server's) of one object.
  using Getter = std::function<dlms::GetDataResult(const Meter&, int8_t attribute,
                                                   const std::optional<dlms::SelectiveAccess>&)>;
  using Setter =
      std::function<dlms::DataAccessResult(Meter&, int8_t attribute, const dlms::DataValue&)>;
  using Method = std::function<dlms::DataAccessResult(Meter&, int8_t method,
                                                      const std::optional<dlms::DataValue>&,
                                                      std::optional<dlms::DataValue>&)>;
  struct Entry {
    Getter get;
    Setter set;  // empty: nothing writable
    Method act;  // empty: no methods
  };
  struct Key {
    uint16_t class_id;
    dlms::Obis name;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<dlms::Obis>{}(key.name) * 31 + key.class_id;
    }
  };
  // One view per role (public, reader, management); the push role sees nothing.
  static constexpr size_t kRoles = 3;

  // Adds an object: `reader` holds the reader's rights; the management client gets those
  // plus `management_writes` / `management_methods`; the public client gets read access
  // to attribute 2 of `public_readable` objects only.
  void Add(dlms::CosemObject reader, Entry entry, bool public_readable = false,
           std::vector<int> management_writes = {}, std::vector<int> management_methods = {});
  void AddRegisters();
  void AddProfiles();

  MeterCosemInfo info_;
  std::vector<Entry> entries_;
  std::array<std::vector<dlms::CosemObject>, kRoles> views_;
  std::array<std::unordered_map<Key, size_t, KeyHash>, kRoles> index_;  // into views_
  std::unordered_map<Key, size_t, KeyHash> entry_of_;                   // into entries_
};

// One meter's objects for its CosemServer. Holds references; both must outlive it.
class MeterDirectory final : public dlms::CosemDirectory {
 public:
  MeterDirectory(const MeterObjectTable& table, Meter& meter) : table_(table), meter_(meter) {}

  void ListObjects(dlms::ClientRole role,
                   const std::function<void(const dlms::CosemObject&)>& visit) const override;
  const dlms::CosemObject* Find(dlms::ClientRole role, uint16_t class_id,
                                const dlms::Obis& name) const override;
  dlms::GetDataResult Get(const dlms::AttributeDescriptor& attribute,
                          const std::optional<dlms::SelectiveAccess>& access) override;
  dlms::DataAccessResult Set(const dlms::AttributeDescriptor& attribute,
                             const dlms::DataValue& value) override;
  dlms::DataAccessResult Action(const dlms::MethodDescriptor& method,
                                const std::optional<dlms::DataValue>& parameters,
                                std::optional<dlms::DataValue>& return_value) override;

 private:
  const MeterObjectTable::Entry* EntryFor(uint16_t class_id, const dlms::Obis& name) const;

  const MeterObjectTable& table_;
  Meter& meter_;
};

// Selective access on a profile (IEC 62056-6-2 4.3.6, class 7 attribute 2), decoded:
// which entries (by capture time and by entry number) and which capture columns.
struct ProfileAccess {
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  uint32_t from_entry = 1;
  uint32_t to_entry = 0;        // 0: the newest
  std::vector<size_t> columns;  // capture-object indexes, 0-based; empty: all
};

// Decodes range_descriptor (selector 1; the restricting object must be the clock column,
// class 8 0.0.1.0.0.255 attribute 2; bounds are date-times whose deviation may be
// unspecified and whose clock status is ignored; selected_values name capture objects)
// or entry_descriptor (selector 2; from/to entry, from/to selected value, 1-based, 0 =
// the last). `capture_objects` is the profile's attribute 3. InvalidArgument naming what
// does not fit.
absl::StatusOr<ProfileAccess> DecodeProfileAccess(const dlms::SelectiveAccess& access,
                                                  const dlms::DataValue& capture_objects);

}  // namespace vmuc::meters

#endif  // VMUC_METERS_COSEM_METER_DIRECTORY_H_
