// The analysis logger (datasheet "Analysis logger", lines 205-211): up to 24 registers of
// the meter, chosen from a catalogue of energy, instantaneous and power-quality values,
// captured at the logger's own interval into a circular memory whose depth "will be
// depending on the configuration of the meter as well as the number of registers". Z10
// (line 507) has one code, 000, "Default setup": AnalysisLogConfigFor() gives it. Pure
// state; the meter (meters/meter.h) calls Capture() at every NextCaptureAfter() instant.
// Not thread-safe: owned by the meter's actor.
//
// Memory model. The datasheet gives no size for this logger (it does for the load profile,
// load_profile_memory.h). kAnalysisLogMemoryBytes, 256 KiB, is our choice: with the
// maximum 24 registers at the default 10-minute interval it holds 15 days, so the one-week
// window EN 50160 assesses the supply voltage over (95 % of the 10-minute mean values of
// each week) always fits twice. An entry is the profile record of profile_entry.h, 18 + 4 x
// registers bytes; capacity = floor(memory / entry), depth in days = floor(capacity / captures per
// day).
//
// Catalogue and encoding. Every register is one 32-bit word with a fixed scaler and unit
// (AnalysisRegisterInfo; the DLMS capture objects of 1.1.99.2.0.255 are made from it):
//   energy          Wh / varh / VAh, the register's whole units modulo 2^32, unsigned
//   power P, Q      W / var, signed (import and inductive positive), truncated towards 0
//   voltage         0.1 V, unsigned          current       mA, unsigned
//   frequency       mHz, unsigned            power factor  0.001, |P| / S, 1.000 at no load
//   phase angle     0.1 degree of the current to the voltage, signed, (-180.0, 180.0]
//   current THD     0.01 %, unsigned (IEC 61000-4-7, orders 2..40; metrology/harmonics.h)
//   unbalance       0.01 %, unsigned: u2 = |U2| / |U1| (IEC 61000-4-30 5.7.1) from the
//                   phase voltages' magnitudes, the grid model's phasors being 120 degrees
//                   apart (grid_model.h models magnitudes only):
//                   u2 = sqrt(Ua^2 + Ub^2 + Uc^2 - UaUb - UbUc - UcUa) / (Ua + Ub + Uc).
//                   Symmetric in the phases, so a reversed phase sequence reads the same; a
//                   single-phase connection (two phases without voltage) reads 100 %.
// Instantaneous and power-quality values are samples of the core at the capture instant
// (present_values(), grid(), current_harmonics(): the load-model slot that just ended),
// not averages over the interval. Current THD needs current_harmonics(), which the Aron
// variant does not model: there the word is 0 and the entry's status carries
// kProfileStatusDataNotValid (load_profile.h). On an Aron meter the L2 system does not
// exist and its per-phase power, current and angle read 0, as the core reports them.
#ifndef VMUC_METERS_LOGGERS_ANALYSIS_LOG_H_
#define VMUC_METERS_LOGGERS_ANALYSIS_LOG_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/time.h"
#include "dlms/obis.h"
#include "dlms/units.h"
#include "meters/configuration/software_config.h"
#include "meters/loggers/log_image.h"
#include "meters/loggers/profile_entry.h"
#include "meters/meter_core.h"

namespace vmuc::meters {

// Registers a logger can capture. The values are stable identifiers (saved with the log's
// state): append, never renumber. 0x01.. energy, 0x40.. instantaneous, 0x80.. power quality.
enum class AnalysisRegister : uint8_t {
  // Energy totals (cosem-object-model.md: 1.1.{1..10}.8.0, per tariff 1.1.{1,3}.8.{1..4},
  // per phase 1.1.{21,41,61}.8.0 and 1.1.{22,42,62}.8.0).
  kActiveImport = 0x01,  // A+
  kActiveExport,         // A-
  kReactiveImport,       // R+ = R1 + R2
  kReactiveExport,       // R- = R3 + R4
  kReactiveQ1,           // R1
  kReactiveQ2,           // R2
  kReactiveQ3,           // R3
  kReactiveQ4,           // R4
  kApparentImport,       // E+
  kApparentExport,       // E-
  kActiveImportT1,       // A+ tariff 1..4
  kActiveImportT2,
  kActiveImportT3,
  kActiveImportT4,
  kReactiveImportT1,  // R+ tariff 1..4
  kReactiveImportT2,
  kReactiveImportT3,
  kReactiveImportT4,
  kActiveImportL1,  // A+ per phase
  kActiveImportL2,
  kActiveImportL3,
  kActiveExportL1,  // A- per phase
  kActiveExportL2,
  kActiveExportL3,
  // Instantaneous values.
  kActivePower = 0x40,  // P, signed, sum of the phases
  kActivePowerL1,
  kActivePowerL2,
  kActivePowerL3,
  kReactivePower,  // Q, signed, sum of the phases
  kReactivePowerL1,
  kReactivePowerL2,
  kReactivePowerL3,
  kVoltageL1,
  kVoltageL2,
  kVoltageL3,
  kCurrentL1,
  kCurrentL2,
  kCurrentL3,
  kFrequency,
  kPowerFactor,  // of the totals: |sum P| / sqrt((sum P)^2 + (sum Q)^2)
  kPowerFactorL1,
  kPowerFactorL2,
  kPowerFactorL3,
  kPhaseAngleL1,
  kPhaseAngleL2,
  kPhaseAngleL3,
  // Power quality.
  kCurrentThdL1 = 0x80,
  kCurrentThdL2,
  kCurrentThdL3,
  kVoltageUnbalance,
};

enum class AnalysisRegisterKind { kEnergy, kInstantaneous, kPowerQuality };

struct AnalysisRegisterInfo {
  AnalysisRegister id;
  std::string_view name;  // "A+", "U L1", "THD I L2"
  AnalysisRegisterKind kind;
  // The Blue Book / object-model code with B = 1 (cosem-object-model.md); nullopt where
  // there is no standard one (signed reactive power, voltage unbalance): a DLMS capture
  // object for those needs a manufacturer-specific code (value group C 128..199).
  std::optional<dlms::Obis> obis;
  dlms::Unit unit;
  int8_t scaler;   // the value is word x 10^scaler units
  bool is_signed;  // two's complement (DLMS double-long), else double-long-unsigned
};

// Every register, in identifier order.
std::span<const AnalysisRegisterInfo> AnalysisRegisterCatalogue();
// nullptr for a byte that is not a catalogue identifier.
const AnalysisRegisterInfo* FindAnalysisRegister(AnalysisRegister reg);
// The catalogue entry; aborts for an identifier not in the catalogue.
const AnalysisRegisterInfo& AnalysisRegisterInfoOf(AnalysisRegister reg);
// A stored word as its value in units of 10^scaler (sign-extended for signed registers).
int64_t AnalysisValue(AnalysisRegister reg, uint32_t word);

// The words of `registers` read from `core` now, in order; data_not_valid when one of them
// is not available (current THD of the Aron variant, stored as 0). At most
// kMaxProfileValues registers (aborts otherwise). Shared with debit logger 2.
struct CapturedWords {
  std::array<uint32_t, kMaxProfileValues> words{};
  uint8_t count = 0;
  bool data_not_valid = false;
};
CapturedWords CaptureWords(std::span<const AnalysisRegister> registers, const MeterCore& core);

// Datasheet line 207: "up to 24 different registers at a time".
inline constexpr size_t kMaxAnalysisRegisters = 24;
inline constexpr uint32_t kAnalysisLogMemoryBytes = 262'144;  // our choice, see above
// The aggregation interval of EN 50160 and IEC 61000-4-30 class S / A (10-minute values).
inline constexpr std::chrono::minutes kDefaultAnalysisInterval{10};

struct AnalysisLogConfig {
  std::vector<AnalysisRegister> registers;  // 1..24, distinct, the capture order
  // Divides the hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 min), so every capture
  // falls on a whole clock boundary in every Z11 offset (whole hours) and DST.
  std::chrono::minutes interval = kDefaultAnalysisInterval;
  friend bool operator==(const AnalysisLogConfig&, const AnalysisLogConfig&) = default;
};

// Z10 000 "Default setup" (our choice: 19 registers at 10 min, 94-byte entries, 2 788 of
// them, 19 days): A+, A-, U L1..L3, I L1..L3, P L1..L3, Q L1..L3, f,
// THD I L1..L3, U unbalance. The energy registers tie the window to the load profile and
// give, by difference, each interval's mean import and export; the rest is what an EN 50160
// voltage-quality and phase-loading assessment of a low-voltage connection reads.
absl::StatusOr<AnalysisLogConfig> AnalysisLogConfigFor(AnalysisLoggerSetup setup);

// InvalidArgument naming the problem, starting "analysis logger: ": no registers, more than
// 24, a duplicate (named), an identifier not in the catalogue, an interval that does not
// divide the hour.
absl::Status ValidateAnalysisLogConfig(const AnalysisLogConfig& config);

struct AnalysisLogLayout {
  uint32_t registers = 0;
  uint32_t entry_bytes = 0;       // 18 + 4 x registers
  uint32_t capacity_entries = 0;  // floor(memory / entry_bytes)
  uint32_t captures_per_day = 0;  // 1440 min / interval
  uint32_t depth_days = 0;        // floor(capacity / captures per day)
  friend bool operator==(const AnalysisLogLayout&, const AnalysisLogLayout&) = default;
};

// The layout of `config` in `memory_bytes`. ValidateAnalysisLogConfig's errors, and
// InvalidArgument for a memory that does not hold one entry.
absl::StatusOr<AnalysisLogLayout> AnalysisLogLayoutFor(
    const AnalysisLogConfig& config, uint32_t memory_bytes = kAnalysisLogMemoryBytes);

class AnalysisLog final : public ProfileLog {
 public:
  // Aborts for a config or memory AnalysisLogLayoutFor rejects (validate first).
  explicit AnalysisLog(AnalysisLogConfig config, uint32_t memory_bytes = kAnalysisLogMemoryBytes);

  const AnalysisLogConfig& config() const { return config_; }
  const std::vector<AnalysisRegister>& registers() const { return config_.registers; }
  const AnalysisLogLayout& layout() const { return layout_; }
  // What the meter reports as the logging depth (datasheet line 207).
  uint32_t depth_days() const { return layout_.depth_days; }

  // The first capture instant strictly after `t`: the next multiple of the interval since
  // the Unix epoch. The interval divides the hour and every Z11 offset and DST shift is
  // whole hours, so UTC multiples are also whole local clock boundaries (10:00, 10:10 ...).
  TimePoint NextCaptureAfter(TimePoint t) const;

  // Appends the entry captured at `at` (whole seconds) from `core`; `status` is the AMR
  // profile status (load_profile.h bits: the caller's DST, clock and power bits), to which
  // kProfileStatusDataNotValid is added when a register is not available.
  void Capture(TimePoint at, const MeterCore& core, uint16_t status);

  // Read out through ProfileLog: one value per register in config order (AnalysisValue()
  // reads a word); columns index registers().

  // The state besides the image's pages: a version byte, the configured registers (a
  // restored state must have been saved with the same ones, or the records would be
  // misread) and the image cursor. Entry n since installation has sequence number n, so the
  // cursor is also the next sequence number. Restore leaves the log unchanged on an error,
  // which it records in `in` (DataLoss naming the mismatch) and returns.
  void Save(ByteWriter& out) const;
  absl::Status Restore(ByteReader& in);

  friend bool operator==(const AnalysisLog&, const AnalysisLog&) = default;

 private:
  AnalysisLog(const AnalysisLogLayout& layout, AnalysisLogConfig config);

  AnalysisLogConfig config_;
  AnalysisLogLayout layout_;
};

}  // namespace vmuc::meters

#endif  // VMUC_METERS_LOGGERS_ANALYSIS_LOG_H_
