#include "meters/host/checkpoint.h"

#include "absl/strings/str_cat.h"

namespace vmuc::meters {

MeterCheckpoint CheckpointOf(const Meter& meter, bool all) {
  MeterCheckpoint checkpoint;
  checkpoint.meter = meter.core().identity().serial;
  checkpoint.at_unix_s =
      std::chrono::floor<std::chrono::seconds>(meter.time()).time_since_epoch().count();
  ByteWriter state;
  meter.SaveState(state);
  checkpoint.state = state.Take();
  checkpoint.replace_all_pages = all;
  meter.ForEachImage([&](MeterLog log, const LogImage& image) {
    const auto write = [&](uint32_t page) {
      checkpoint.pages.push_back({static_cast<uint8_t>(log), page, image.Page(page)});
    };
    if (all) {
      for (uint32_t page = 0; page < image.page_count(); ++page) write(page);
    } else {
      for (uint32_t page : image.DirtyPages()) write(page);
    }
  });
  return checkpoint;
}

void MarkCheckpointed(Meter& meter) {
  meter.ForEachImage([&](MeterLog log, const LogImage&) { meter.mutable_image(log)->MarkClean(); });
}

absl::Status WriteCheckpoints(MeterStore& store, std::span<Meter* const> meters) {
  std::vector<MeterCheckpoint> batch;
  batch.reserve(meters.size());
  for (const Meter* meter : meters) batch.push_back(CheckpointOf(*meter));
  if (absl::Status status = store.Write(batch); !status.ok()) return status;
  for (Meter* meter : meters) MarkCheckpointed(*meter);
  return absl::OkStatus();
}

absl::StatusOr<bool> RestoreMeter(MeterStore& store, Meter& meter) {
  const std::string who = absl::StrCat("meter ", meter.core().identity().MeterId());
  auto loaded = store.Load(meter.core().identity().serial);
  if (!loaded.ok()) {
    return absl::Status(loaded.status().code(), absl::StrCat(who, ": ", loaded.status().message()));
  }
  if (!loaded->has_value()) return false;
  const auto fail = [&](const absl::Status& status) {
    return absl::DataLossError(absl::StrCat(who, " in ", store.path(), ": ", status.message(),
                                            " (the stored state does not fit this meter's "
                                            "configuration, or is damaged)"));
  };
  ByteReader in((*loaded)->state, "state");
  if (absl::Status status = meter.RestoreState(in); !status.ok()) return fail(status);
  for (const StoredPage& page : (*loaded)->pages) {
    LogImage* image = meter.mutable_image(static_cast<MeterLog>(page.log));
    if (image == nullptr) {
      return fail(absl::DataLossError(
          absl::StrCat("a page of logger ", page.log, ", which this meter does not have")));
    }
    if (absl::Status status = image->RestorePage(page.page, page.bytes); !status.ok()) {
      return fail(status);
    }
  }
  if (absl::Status status = meter.CheckImages(); !status.ok()) return fail(status);
  return true;
}

}  // namespace vmuc::meters
