// Tariff numbers, shared by the tariff control plans and the registers they select.
//
// The meter has four tariffs: registers such as "Active positive primary energy A+ Tariff 1"
// .. "Tariff 4" and the peak powers per tariff (datasheet, "Functions" register list). A
// tariff is its number, 1..4; tariff 1 is the one in force when tariffs are disabled.
#ifndef VMUC_METERS_TARIFF_TARIFF_H_
#define VMUC_METERS_TARIFF_TARIFF_H_

namespace vmuc::meters {

inline constexpr int kMinTariff = 1;
inline constexpr int kMaxTariff = 4;
inline constexpr int kTariffCount = kMaxTariff - kMinTariff + 1;

constexpr bool IsValidTariff(int tariff) { return tariff >= kMinTariff && tariff <= kMaxTariff; }

}  // namespace vmuc::meters

#endif  // VMUC_METERS_TARIFF_TARIFF_H_
