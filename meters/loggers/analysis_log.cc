#include "meters/loggers/analysis_log.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/strings.h"
#include "meters/metrology/grid_model.h"
#include "meters/metrology/measurement.h"

namespace vmuc::meters {
namespace {

using R = AnalysisRegister;
using K = AnalysisRegisterKind;
using dlms::Unit;

// An electricity OBIS code with B = 1, the family's convention (cosem-object-model.md).
constexpr dlms::Obis Elec(uint8_t c, uint8_t d, uint8_t e) {
  return dlms::Obis(1, 1, c, d, e, 255);
}

// Blue Book unit 8, degree (angle); not named in dlms/units.h, whose enum holds any code.
constexpr Unit kDegree = static_cast<Unit>(8);

constexpr AnalysisRegisterInfo kCatalogue[] = {
    {R::kActiveImport, "A+", K::kEnergy, Elec(1, 8, 0), Unit::kWattHour, 0, false},
    {R::kActiveExport, "A-", K::kEnergy, Elec(2, 8, 0), Unit::kWattHour, 0, false},
    {R::kReactiveImport, "R+", K::kEnergy, Elec(3, 8, 0), Unit::kVarHour, 0, false},
    {R::kReactiveExport, "R-", K::kEnergy, Elec(4, 8, 0), Unit::kVarHour, 0, false},
    {R::kReactiveQ1, "R1", K::kEnergy, Elec(5, 8, 0), Unit::kVarHour, 0, false},
    {R::kReactiveQ2, "R2", K::kEnergy, Elec(6, 8, 0), Unit::kVarHour, 0, false},
    {R::kReactiveQ3, "R3", K::kEnergy, Elec(7, 8, 0), Unit::kVarHour, 0, false},
    {R::kReactiveQ4, "R4", K::kEnergy, Elec(8, 8, 0), Unit::kVarHour, 0, false},
    {R::kApparentImport, "E+", K::kEnergy, Elec(9, 8, 0), Unit::kVoltAmpereHour, 0, false},
    {R::kApparentExport, "E-", K::kEnergy, Elec(10, 8, 0), Unit::kVoltAmpereHour, 0, false},
    {R::kActiveImportT1, "A+ T1", K::kEnergy, Elec(1, 8, 1), Unit::kWattHour, 0, false},
    {R::kActiveImportT2, "A+ T2", K::kEnergy, Elec(1, 8, 2), Unit::kWattHour, 0, false},
    {R::kActiveImportT3, "A+ T3", K::kEnergy, Elec(1, 8, 3), Unit::kWattHour, 0, false},
    {R::kActiveImportT4, "A+ T4", K::kEnergy, Elec(1, 8, 4), Unit::kWattHour, 0, false},
    {R::kReactiveImportT1, "R+ T1", K::kEnergy, Elec(3, 8, 1), Unit::kVarHour, 0, false},
    {R::kReactiveImportT2, "R+ T2", K::kEnergy, Elec(3, 8, 2), Unit::kVarHour, 0, false},
    {R::kReactiveImportT3, "R+ T3", K::kEnergy, Elec(3, 8, 3), Unit::kVarHour, 0, false},
    {R::kReactiveImportT4, "R+ T4", K::kEnergy, Elec(3, 8, 4), Unit::kVarHour, 0, false},
    {R::kActiveImportL1, "A+ L1", K::kEnergy, Elec(21, 8, 0), Unit::kWattHour, 0, false},
    {R::kActiveImportL2, "A+ L2", K::kEnergy, Elec(41, 8, 0), Unit::kWattHour, 0, false},
    {R::kActiveImportL3, "A+ L3", K::kEnergy, Elec(61, 8, 0), Unit::kWattHour, 0, false},
    {R::kActiveExportL1, "A- L1", K::kEnergy, Elec(22, 8, 0), Unit::kWattHour, 0, false},
    {R::kActiveExportL2, "A- L2", K::kEnergy, Elec(42, 8, 0), Unit::kWattHour, 0, false},
    {R::kActiveExportL3, "A- L3", K::kEnergy, Elec(62, 8, 0), Unit::kWattHour, 0, false},
    // Value group C 16 / 36 / 56 / 76: active power QI+QIV minus QII+QIII, i.e. signed
    // (IEC 62056-6-1, electricity value group C).
    {R::kActivePower, "P", K::kInstantaneous, Elec(16, 7, 0), Unit::kWatt, 0, true},
    {R::kActivePowerL1, "P L1", K::kInstantaneous, Elec(36, 7, 0), Unit::kWatt, 0, true},
    {R::kActivePowerL2, "P L2", K::kInstantaneous, Elec(56, 7, 0), Unit::kWatt, 0, true},
    {R::kActivePowerL3, "P L3", K::kInstantaneous, Elec(76, 7, 0), Unit::kWatt, 0, true},
    {R::kReactivePower, "Q", K::kInstantaneous, std::nullopt, Unit::kVar, 0, true},
    {R::kReactivePowerL1, "Q L1", K::kInstantaneous, std::nullopt, Unit::kVar, 0, true},
    {R::kReactivePowerL2, "Q L2", K::kInstantaneous, std::nullopt, Unit::kVar, 0, true},
    {R::kReactivePowerL3, "Q L3", K::kInstantaneous, std::nullopt, Unit::kVar, 0, true},
    {R::kVoltageL1, "U L1", K::kInstantaneous, Elec(32, 7, 0), Unit::kVolt, -1, false},
    {R::kVoltageL2, "U L2", K::kInstantaneous, Elec(52, 7, 0), Unit::kVolt, -1, false},
    {R::kVoltageL3, "U L3", K::kInstantaneous, Elec(72, 7, 0), Unit::kVolt, -1, false},
    {R::kCurrentL1, "I L1", K::kInstantaneous, Elec(31, 7, 0), Unit::kAmpere, -3, false},
    {R::kCurrentL2, "I L2", K::kInstantaneous, Elec(51, 7, 0), Unit::kAmpere, -3, false},
    {R::kCurrentL3, "I L3", K::kInstantaneous, Elec(71, 7, 0), Unit::kAmpere, -3, false},
    {R::kFrequency, "f", K::kInstantaneous, Elec(14, 7, 0), Unit::kHertz, -3, false},
    {R::kPowerFactor, "PF", K::kInstantaneous, Elec(13, 7, 0), Unit::kNone, -3, false},
    {R::kPowerFactorL1, "PF L1", K::kInstantaneous, Elec(33, 7, 0), Unit::kNone, -3, false},
    {R::kPowerFactorL2, "PF L2", K::kInstantaneous, Elec(53, 7, 0), Unit::kNone, -3, false},
    {R::kPowerFactorL3, "PF L3", K::kInstantaneous, Elec(73, 7, 0), Unit::kNone, -3, false},
    // Value group C 81 (angles), E = 10 x a + b with a = I(L1) 4, I(L2) 5, I(L3) 6 and
    // b = U(L1) 0, U(L2) 1, U(L3) 2: the angle of each phase's current to its voltage.
    {R::kPhaseAngleL1, "angle L1", K::kInstantaneous, Elec(81, 7, 40), kDegree, -1, true},
    {R::kPhaseAngleL2, "angle L2", K::kInstantaneous, Elec(81, 7, 51), kDegree, -1, true},
    {R::kPhaseAngleL3, "angle L3", K::kInstantaneous, Elec(81, 7, 62), kDegree, -1, true},
    {R::kCurrentThdL1, "THD I L1", K::kPowerQuality, Elec(31, 7, 124), Unit::kPercent, -2, false},
    {R::kCurrentThdL2, "THD I L2", K::kPowerQuality, Elec(51, 7, 124), Unit::kPercent, -2, false},
    {R::kCurrentThdL3, "THD I L3", K::kPowerQuality, Elec(71, 7, 124), Unit::kPercent, -2, false},
    {R::kVoltageUnbalance, "U unbalance", K::kPowerQuality, std::nullopt, Unit::kPercent, -2,
     false},
};

// The phase (0..2) of a per-phase register, counted from its L1 member.
size_t PhaseOf(AnalysisRegister reg, AnalysisRegister l1) {
  return static_cast<size_t>(static_cast<uint8_t>(reg) - static_cast<uint8_t>(l1));
}

uint32_t UnitHours(uint64_t milli_unit_seconds) {
  // A 4-byte register wraps like the meter's: modulo 2^32 Wh (4.29 GWh).
  return static_cast<uint32_t>(milli_unit_seconds / kMilliUnitSecondsPerUnitHour);
}

uint32_t SignedWord(int64_t value) {
  const int64_t clamped = std::clamp<int64_t>(value, std::numeric_limits<int32_t>::min(),
                                              std::numeric_limits<int32_t>::max());
  return static_cast<uint32_t>(static_cast<int32_t>(clamped));
}

uint32_t UnsignedWord(int64_t value) {
  return static_cast<uint32_t>(std::clamp<int64_t>(value, 0, std::numeric_limits<uint32_t>::max()));
}

// u2 = |U2| / |U1| in 0.01 % from the magnitudes of three phasors 120 degrees apart:
// |3 U1| = Ua + Ub + Uc and |3 U2|^2 = Ua^2 + Ub^2 + Uc^2 - UaUb - UbUc - UcUa (the
// symmetrical components of IEC 61000-4-30 5.7.1 with ideal angles), the latter written as
// half the sum of the squared differences, which is never negative.
int64_t UnbalanceCentipercent(const std::array<int32_t, kPhases>& voltage_mv) {
  const int64_t a = voltage_mv[0], b = voltage_mv[1], c = voltage_mv[2];
  const int64_t sum = a + b + c;
  if (sum <= 0) return 0;
  const uint64_t twice =
      static_cast<uint64_t>((a - b) * (a - b) + (b - c) * (b - c) + (c - a) * (c - a));
  return static_cast<int64_t>(IntegerSqrt(twice / 2) * 10'000 / static_cast<uint64_t>(sum));
}

// Reads the core once per capture: each part (totals, grid, harmonics) only if a register
// needs it; the harmonics are the costly one.
class CoreReader {
 public:
  explicit CoreReader(const MeterCore& core) : core_(core) {}

  // nullopt: the core does not provide the value.
  std::optional<uint32_t> Word(AnalysisRegister reg) {
    const EnergyRegisters& registers = core_.registers();
    const PhaseSet& phases = core_.present_values();
    switch (reg) {
      case R::kActiveImport:
        return UnitHours(Total()[kActiveImport]);
      case R::kActiveExport:
        return UnitHours(Total()[kActiveExport]);
      case R::kReactiveImport:  // R+ = R1 + R2 (IEC 62053-23)
        return UnitHours(Total()[kReactiveQ1] + Total()[kReactiveQ2]);
      case R::kReactiveExport:  // R- = R3 + R4
        return UnitHours(Total()[kReactiveQ3] + Total()[kReactiveQ4]);
      case R::kReactiveQ1:
      case R::kReactiveQ2:
      case R::kReactiveQ3:
      case R::kReactiveQ4:
        return UnitHours(Total()[kReactiveQ1 + PhaseOf(reg, R::kReactiveQ1)]);
      case R::kApparentImport:
        return UnitHours(Total()[kApparentImport]);
      case R::kApparentExport:
        return UnitHours(Total()[kApparentExport]);
      case R::kActiveImportT1:
      case R::kActiveImportT2:
      case R::kActiveImportT3:
      case R::kActiveImportT4:
        return UnitHours(registers.active_import_tariff[PhaseOf(reg, R::kActiveImportT1)]);
      case R::kReactiveImportT1:
      case R::kReactiveImportT2:
      case R::kReactiveImportT3:
      case R::kReactiveImportT4:
        return UnitHours(registers.reactive_import_tariff[PhaseOf(reg, R::kReactiveImportT1)]);
      case R::kActiveImportL1:
      case R::kActiveImportL2:
      case R::kActiveImportL3:
        return UnitHours(
            registers.phase[PhaseOf(reg, R::kActiveImportL1)].milli_unit_seconds[kActiveImport]);
      case R::kActiveExportL1:
      case R::kActiveExportL2:
      case R::kActiveExportL3:
        return UnitHours(
            registers.phase[PhaseOf(reg, R::kActiveExportL1)].milli_unit_seconds[kActiveExport]);
      case R::kActivePower:
        return SignedWord(SumActiveMw() / 1000);
      case R::kActivePowerL1:
      case R::kActivePowerL2:
      case R::kActivePowerL3:
        return SignedWord(phases[PhaseOf(reg, R::kActivePowerL1)].active_mw / 1000);
      case R::kReactivePower:
        return SignedWord(SumReactiveMvar() / 1000);
      case R::kReactivePowerL1:
      case R::kReactivePowerL2:
      case R::kReactivePowerL3:
        return SignedWord(phases[PhaseOf(reg, R::kReactivePowerL1)].reactive_mvar / 1000);
      case R::kVoltageL1:
      case R::kVoltageL2:
      case R::kVoltageL3:
        return UnsignedWord(Grid().voltage_mv[PhaseOf(reg, R::kVoltageL1)] / 100);
      case R::kCurrentL1:
      case R::kCurrentL2:
      case R::kCurrentL3:
        return UnsignedWord(Instantaneous(PhaseOf(reg, R::kCurrentL1)).current_ma);
      case R::kFrequency:
        return UnsignedWord(Grid().frequency_mhz);
      case R::kPowerFactor:
        // The power factor of the totals; the voltage plays no part in it.
        return UnsignedWord(InstantaneousOf(MakePhaseValues(SumActiveMw(), SumReactiveMvar()), 0)
                                .power_factor_milli);
      case R::kPowerFactorL1:
      case R::kPowerFactorL2:
      case R::kPowerFactorL3:
        return UnsignedWord(Instantaneous(PhaseOf(reg, R::kPowerFactorL1)).power_factor_milli);
      case R::kPhaseAngleL1:
      case R::kPhaseAngleL2:
      case R::kPhaseAngleL3:
        return SignedWord(Instantaneous(PhaseOf(reg, R::kPhaseAngleL1)).angle_decidegrees);
      case R::kCurrentThdL1:
      case R::kCurrentThdL2:
      case R::kCurrentThdL3: {
        const std::optional<HarmonicsSet>& harmonics = Harmonics();
        if (!harmonics) return std::nullopt;  // the Aron variant
        return UnsignedWord((*harmonics)[PhaseOf(reg, R::kCurrentThdL1)].thd_centipercent);
      }
      case R::kVoltageUnbalance:
        return UnsignedWord(UnbalanceCentipercent(Grid().voltage_mv));
    }
    VMUC_CHECK(false, "analysis register not in the catalogue");
    return std::nullopt;
  }

 private:
  const std::array<uint64_t, kRegisterCount>& Total() {
    if (!total_) total_ = core_.registers().total();
    return total_->milli_unit_seconds;
  }
  const GridValues& Grid() {
    if (!grid_) grid_ = core_.grid();
    return *grid_;
  }
  const std::optional<HarmonicsSet>& Harmonics() {
    if (!harmonics_read_) {
      harmonics_ = core_.current_harmonics();
      harmonics_read_ = true;
    }
    return harmonics_;
  }
  PhaseInstantaneous Instantaneous(size_t phase) {
    return InstantaneousOf(core_.present_values()[phase], Grid().voltage_mv[phase]);
  }
  int64_t SumActiveMw() const {
    int64_t sum = 0;
    for (const PhaseValues& phase : core_.present_values()) sum += phase.active_mw;
    return sum;
  }
  int64_t SumReactiveMvar() const {
    int64_t sum = 0;
    for (const PhaseValues& phase : core_.present_values()) sum += phase.reactive_mvar;
    return sum;
  }

  const MeterCore& core_;
  std::optional<RegisterSet> total_;
  std::optional<GridValues> grid_;
  bool harmonics_read_ = false;
  std::optional<HarmonicsSet> harmonics_;
};

absl::Status ConfigError(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("analysis logger: ", what));
}

constexpr uint8_t kStateVersion = 1;

// "[A+, U L1, 0x3f]": the names of `registers` for an error message.
std::string Names(const std::vector<AnalysisRegister>& registers) {
  std::string out = "[";
  for (size_t i = 0; i < registers.size(); ++i) {
    if (i > 0) out += ", ";
    const AnalysisRegisterInfo* info = FindAnalysisRegister(registers[i]);
    out += info != nullptr ? std::string(info->name)
                           : absl::StrFormat("0x%02x", static_cast<uint8_t>(registers[i]));
  }
  return out + "]";
}

}  // namespace

std::span<const AnalysisRegisterInfo> AnalysisRegisterCatalogue() { return kCatalogue; }

const AnalysisRegisterInfo* FindAnalysisRegister(AnalysisRegister reg) {
  for (const AnalysisRegisterInfo& info : kCatalogue) {
    if (info.id == reg) return &info;
  }
  return nullptr;
}

const AnalysisRegisterInfo& AnalysisRegisterInfoOf(AnalysisRegister reg) {
  const AnalysisRegisterInfo* info = FindAnalysisRegister(reg);
  VMUC_CHECK(info != nullptr, "analysis register not in the catalogue");
  return *info;
}

int64_t AnalysisValue(AnalysisRegister reg, uint32_t word) {
  if (AnalysisRegisterInfoOf(reg).is_signed) return static_cast<int32_t>(word);
  return word;
}

CapturedWords CaptureWords(std::span<const AnalysisRegister> registers, const MeterCore& core) {
  VMUC_CHECK(registers.size() <= kMaxProfileValues, "more registers than a profile entry holds");
  CoreReader reader(core);
  CapturedWords captured;
  captured.count = static_cast<uint8_t>(registers.size());
  for (size_t i = 0; i < registers.size(); ++i) {
    const std::optional<uint32_t> word = reader.Word(registers[i]);
    if (word) {
      captured.words[i] = *word;
    } else {
      captured.data_not_valid = true;  // stored as 0
    }
  }
  return captured;
}

absl::StatusOr<AnalysisLogConfig> AnalysisLogConfigFor(AnalysisLoggerSetup setup) {
  switch (setup) {
    case AnalysisLoggerSetup::kDefault:
      return AnalysisLogConfig{
          .registers = {R::kActiveImport, R::kActiveExport, R::kVoltageL1, R::kVoltageL2,
                        R::kVoltageL3, R::kCurrentL1, R::kCurrentL2, R::kCurrentL3,
                        R::kActivePowerL1, R::kActivePowerL2, R::kActivePowerL3,
                        R::kReactivePowerL1, R::kReactivePowerL2, R::kReactivePowerL3,
                        R::kFrequency, R::kCurrentThdL1, R::kCurrentThdL2, R::kCurrentThdL3,
                        R::kVoltageUnbalance},
          .interval = kDefaultAnalysisInterval};
  }
  return absl::InvalidArgumentError("analysis logger: unknown Z10 setup");
}

absl::Status ValidateAnalysisLogConfig(const AnalysisLogConfig& config) {
  if (config.registers.empty()) return ConfigError("no registers; 1 to 24");
  if (config.registers.size() > kMaxAnalysisRegisters) {
    return ConfigError(absl::StrCat(config.registers.size(),
                                    " registers; at most 24 (datasheet, \"Analysis logger\")"));
  }
  for (size_t i = 0; i < config.registers.size(); ++i) {
    const AnalysisRegister reg = config.registers[i];
    const AnalysisRegisterInfo* info = FindAnalysisRegister(reg);
    if (info == nullptr) {
      return ConfigError(absl::StrFormat("register %d (0x%02x) is not in the catalogue", i + 1,
                                         static_cast<uint8_t>(reg)));
    }
    for (size_t j = 0; j < i; ++j) {
      if (config.registers[j] == reg) {
        return ConfigError(absl::StrCat("register '", AsAbsl(info->name), "' appears twice (",
                                        j + 1, " and ", i + 1, ")"));
      }
    }
  }
  const int64_t minutes = config.interval.count();
  if (minutes < 1 || minutes > 60 || 60 % minutes != 0) {
    return ConfigError(absl::StrCat("interval ", minutes,
                                    " min does not divide the hour (1, 2, 3, 4, 5, 6, 10, 12, "
                                    "15, 20, 30 or 60 min)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<AnalysisLogLayout> AnalysisLogLayoutFor(const AnalysisLogConfig& config,
                                                       uint32_t memory_bytes) {
  if (absl::Status valid = ValidateAnalysisLogConfig(config); !valid.ok()) return valid;
  AnalysisLogLayout layout;
  layout.registers = static_cast<uint32_t>(config.registers.size());
  layout.entry_bytes = ProfileRecordBytes(config.registers.size());
  layout.capacity_entries = memory_bytes / layout.entry_bytes;
  if (layout.capacity_entries == 0) {
    return ConfigError(absl::StrCat("a memory of ", memory_bytes, " bytes holds no entry of ",
                                    layout.entry_bytes, " bytes"));
  }
  layout.captures_per_day = static_cast<uint32_t>(24 * 60 / config.interval.count());
  layout.depth_days = layout.capacity_entries / layout.captures_per_day;
  return layout;
}

namespace {
AnalysisLogLayout CheckedLayout(const AnalysisLogConfig& config, uint32_t memory_bytes) {
  auto layout = AnalysisLogLayoutFor(config, memory_bytes);
  VMUC_CHECK(layout.ok(), "AnalysisLog: invalid configuration (validate it first)");
  return *layout;
}
}  // namespace

AnalysisLog::AnalysisLog(AnalysisLogConfig config, uint32_t memory_bytes)
    // A copy, not a move: argument order is unspecified and the layout reads `config`.
    : AnalysisLog(CheckedLayout(config, memory_bytes), config) {}

AnalysisLog::AnalysisLog(const AnalysisLogLayout& layout, AnalysisLogConfig config)
    : ProfileLog("analysis logger", static_cast<uint8_t>(layout.registers),
                 layout.capacity_entries),
      config_(std::move(config)),
      layout_(layout) {}

TimePoint AnalysisLog::NextCaptureAfter(TimePoint t) const {
  const int64_t step = std::chrono::duration_cast<Duration>(config_.interval).count();
  const int64_t since_epoch = t.time_since_epoch().count();
  int64_t n = since_epoch / step;  // floored, also before 1970
  if (since_epoch % step < 0) --n;
  return TimePoint(Duration((n + 1) * step));
}

void AnalysisLog::Capture(TimePoint at, const MeterCore& core, uint16_t status) {
  const CapturedWords captured = CaptureWords(config_.registers, core);
  Append(
      at,
      captured.data_not_valid ? static_cast<uint16_t>(status | kProfileStatusDataNotValid) : status,
      std::span(captured.words).first(captured.count));
}

void AnalysisLog::Save(ByteWriter& out) const {
  out.U8(kStateVersion);
  out.U8(static_cast<uint8_t>(config_.registers.size()));
  for (AnalysisRegister reg : config_.registers) out.U8(static_cast<uint8_t>(reg));
  image().SaveCursor(out);
}

absl::Status AnalysisLog::Restore(ByteReader& in) {
  const uint8_t version = in.U8();
  if (in.status().ok() && version != kStateVersion) {
    in.Fail(absl::StrCat("analysis logger state version ", version, ", want ", kStateVersion));
  }
  const uint8_t count = in.U8();
  std::vector<AnalysisRegister> saved;
  for (uint8_t i = 0; i < count && in.status().ok(); ++i) {
    saved.push_back(static_cast<AnalysisRegister>(in.U8()));
  }
  if (in.status().ok() && saved != config_.registers) {
    in.Fail(absl::StrCat("analysis logger saved with registers ", Names(saved), ", configured ",
                         Names(config_.registers)));
  }
  if (!in.status().ok()) return in.status();
  mutable_image().RestoreCursor(in);  // unchanged when truncated
  return in.status();
}

}  // namespace vmuc::meters
