#include "meters/tariff/tariff_inputs.h"

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace vmuc::meters {

absl::Status ValidateTariffInputMode(const TariffInputMode& mode) {
  switch (mode.kind) {
    case TariffInputKind::kNone:
    case TariffInputKind::kFourTariff:
      return absl::OkStatus();
    case TariffInputKind::kTwoTariff:
      if (mode.tariff_io != 1 && mode.tariff_io != 2) {
        return absl::InvalidArgumentError(absl::StrCat("2-tariff input on I/O ", mode.tariff_io,
                                                       ": the module port has I/O 1 and I/O 2"));
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tariff input kind ", static_cast<int>(mode.kind)));
}

int TariffFromInputs(const TariffInputMode& mode, const TariffInputs& inputs) {
  // "Inverted" modes read an energised input as inactive.
  const bool io1 = inputs.io1 != mode.inverted;
  const bool io2 = inputs.io2 != mode.inverted;
  switch (mode.kind) {
    case TariffInputKind::kNone:
      return 1;
    case TariffInputKind::kTwoTariff:
      VMUC_CHECK(mode.tariff_io == 1 || mode.tariff_io == 2, "unvalidated TariffInputMode");
      return ((mode.tariff_io == 1) ? io1 : io2) ? 2 : 1;
    case TariffInputKind::kFourTariff:
      return 1 + (io1 ? 1 : 0) + (io2 ? 2 : 0);
  }
  VMUC_CHECK(false, "unvalidated TariffInputMode");
  return 1;
}

}  // namespace vmuc::meters
