#include "meters/fleet.h"

#include "absl/strings/str_cat.h"
#include "meters/metrology/load_model.h"

namespace vmuc::meters {

MeterIdentity FleetMeter(const FleetSection& fleet, uint32_t index) {
  MeterIdentity identity;
  identity.serial = fleet.first_serial + index;
  identity.node = index + 1;  // node 0 is the collector
  identity.load_seed = Mix64(fleet.seed * 0x100000001B3ULL + index);
  identity.household_flags = DrawHouseholdFlags(
      identity.load_seed, HouseholdMix{fleet.pv_percent, fleet.ev_percent, fleet.heat_pump_percent,
                                       fleet.single_phase_percent, fleet.two_phase_percent});
  return identity;
}

absl::StatusOr<std::unique_ptr<MeterSetup>> FleetSetup(const FleetSection& fleet) {
  auto configuration = MeterConfiguration::Create(fleet.type_number, fleet.software_codes);
  absl::StatusOr<std::unique_ptr<MeterSetup>> setup =
      configuration.ok()
          ? MeterSetup::Create(
                *std::move(configuration), {},
                OutageRates{static_cast<uint16_t>(fleet.short_interruptions_per_year),
                            static_cast<uint16_t>(fleet.long_interruptions_per_year)})
          : absl::StatusOr<std::unique_ptr<MeterSetup>>(configuration.status());
  if (!setup.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(fleet.codes_where, ": fleet: ", setup.status().message()));
  }
  return setup;
}

}  // namespace vmuc::meters
