#include "meters/loggers/log_image.h"

#include <gtest/gtest.h>

#include <numeric>

namespace vmuc::meters {
namespace {

std::vector<uint8_t> RecordOf(uint32_t size, uint32_t n) {
  std::vector<uint8_t> record(size);
  for (uint32_t i = 0; i < size; ++i) record[i] = static_cast<uint8_t>(n * 7 + i + 1);
  return record;
}

TEST(LogImageTest, HoldsRecordsOldestFirstAndOverwritesTheOldestWhenFull) {
  LogImage image(22, 5);
  EXPECT_EQ(image.entries_in_use(), 0u);
  for (uint32_t n = 0; n < 3; ++n) image.Append(RecordOf(22, n));
  ASSERT_EQ(image.entries_in_use(), 3u);
  EXPECT_EQ(image.Record(0), RecordOf(22, 0));
  EXPECT_EQ(image.Record(2), RecordOf(22, 2));
  for (uint32_t n = 3; n < 12; ++n) image.Append(RecordOf(22, n));
  EXPECT_EQ(image.entries_in_use(), 5u);
  EXPECT_EQ(image.appended(), 12u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(image.Record(i), RecordOf(22, 7 + i)) << i;
}

TEST(LogImageTest, RecordsStraddlingPagesReadBackWhole) {
  // 587 776 / 22 = 26 717 records over 294 pages; many records cross a page boundary.
  LogImage image(22, 26'717);
  EXPECT_EQ(image.image_bytes(), 587'774u);
  EXPECT_EQ(image.page_count(), 294u);
  EXPECT_EQ(image.PageBytes(293), 587'774u - 293u * kLogPageBytes);
  for (uint32_t n = 0; n < 30'000; ++n) image.Append(RecordOf(22, n));
  for (uint32_t i = 0; i < image.entries_in_use(); i += 97) {
    ASSERT_EQ(image.Record(i), RecordOf(22, 30'000 - 26'717 + i)) << i;
  }
}

TEST(LogImageTest, OnlyWrittenPagesAreDirtyAndPagesRestoreTheImage) {
  LogImage image(100, 100);                                          // 10 000 bytes: 5 pages
  for (uint32_t n = 0; n < 25; ++n) image.Append(RecordOf(100, n));  // bytes 0..2499
  EXPECT_EQ(image.DirtyPages(), (std::vector<uint32_t>{0, 1}));
  image.MarkClean();
  EXPECT_TRUE(image.DirtyPages().empty());
  image.Append(RecordOf(100, 25));  // bytes 2500..2599: page 1 only
  EXPECT_EQ(image.DirtyPages(), (std::vector<uint32_t>{1}));

  LogImage restored(100, 100);
  ByteWriter cursor;
  image.SaveCursor(cursor);
  ByteReader reader(cursor.bytes(), "cursor");
  restored.RestoreCursor(reader);
  ASSERT_TRUE(reader.Finish().ok());
  for (uint32_t page : {0u, 1u}) ASSERT_TRUE(restored.RestorePage(page, image.Page(page)).ok());
  EXPECT_EQ(restored, image);
  EXPECT_EQ(restored.Record(25), RecordOf(100, 25));
  restored.Append(RecordOf(100, 26));
  EXPECT_NE(restored, image);
}

TEST(LogImageTest, RestoringAMisfitPageNamesIt) {
  LogImage image(100, 100);
  const absl::Status beyond = image.RestorePage(5, std::vector<uint8_t>(kLogPageBytes));
  EXPECT_EQ(beyond.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(beyond.message()).find("page 5"), std::string::npos);
  const absl::Status short_page = image.RestorePage(1, std::vector<uint8_t>(10));
  EXPECT_NE(std::string(short_page.message()).find("10 bytes, want 2000"), std::string::npos);
}

TEST(ByteReaderTest, ReadsBackWhatTheWriterWroteAndReportsTruncation) {
  ByteWriter out;
  out.U8(1);
  out.U16(0x0203);
  out.U32(0x04050607);
  out.U64(0x08090a0b0c0d0e0fULL);
  out.I64(-5);
  out.Bool(true);
  ByteReader in(out.bytes(), "test image");
  EXPECT_EQ(in.U8(), 1);
  EXPECT_EQ(in.U16(), 0x0203);
  EXPECT_EQ(in.U32(), 0x04050607u);
  EXPECT_EQ(in.U64(), 0x08090a0b0c0d0e0fULL);
  EXPECT_EQ(in.I64(), -5);
  EXPECT_TRUE(in.Bool());
  EXPECT_TRUE(in.Finish().ok());
  EXPECT_EQ(in.U32(), 0u);
  EXPECT_EQ(std::string(in.status().message()),
            "test image: at byte 24: truncated: 4 bytes wanted, 0 left");
}

}  // namespace
}  // namespace vmuc::meters
