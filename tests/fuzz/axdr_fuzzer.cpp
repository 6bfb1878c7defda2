// libFuzzer target: the A-XDR Data decoder (dlms/axdr.h), DecodeData and AxdrReader.
//
// Oracles, beyond "no crash, no sanitizer report, no allocation blow-up":
//  - what DecodeData accepts re-encodes to a canonical form that decodes and re-encodes to
//    the same bytes, and is never longer than the input (the input may use longer length
//    forms, never a shorter one). Bytes, not DataValue ==, because a float NaN is unequal
//    to itself;
//  - AxdrReader::ReadData agrees with DecodeData on the bytes each read consumed;
//  - every accessor of a decoded value returns (a value or a status) without crashing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/check.h"
#include "dlms/axdr.h"

namespace vmuc::dlms {
namespace {

// Calls every accessor, recursively: they parse (date-time, OBIS) or convert (integers).
void Visit(const DataValue& value, int depth) {
  (void)value.AsBoolean();
  (void)value.AsInt64();
  (void)value.AsUint64();
  (void)value.AsDouble();
  (void)value.AsBytes();
  (void)value.AsString();
  (void)value.AsBitString();
  (void)value.AsDateTime();
  (void)value.AsObis();
  (void)DataTypeName(value.type());
  VMUC_CHECK(depth <= kMaxDataDepth + 1, "decoded value nests deeper than kMaxDataDepth");
  for (const auto& children : {value.AsArray(), value.AsStructure()}) {
    if (!children.ok()) continue;
    for (const DataValue& child : *children) Visit(child, depth + 1);
  }
}

void CheckRoundTrip(std::span<const uint8_t> input, const DataValue& value) {
  const std::vector<uint8_t> encoded = EncodeData(value);
  VMUC_CHECK(encoded.size() <= input.size(), "canonical encoding longer than the input");
  auto again = DecodeData(encoded);
  VMUC_CHECK(again.ok(), "EncodeData output does not decode");
  VMUC_CHECK(EncodeData(*again) == encoded, "decode(encode(v)) encodes differently");
}

}  // namespace
}  // namespace vmuc::dlms

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmuc::dlms;
  const std::span<const uint8_t> input(data, size);

  auto decoded = DecodeData(input);
  if (decoded.ok()) {
    CheckRoundTrip(input, *decoded);
    Visit(*decoded, 0);
    (void)decoded->DebugString();
  }

  // The same bytes as a sequence of Data values, as an APDU decoder reads them.
  AxdrReader reader(input);
  while (!reader.AtEnd()) {
    const size_t before = reader.offset();
    auto value = reader.ReadData();
    if (!value.ok()) break;
    VMUC_CHECK(reader.offset() > before && reader.offset() <= input.size(),
               "ReadData did not advance within the buffer");
    auto alone = DecodeData(input.subspan(before, reader.offset() - before));
    VMUC_CHECK(alone.ok(), "DecodeData refuses what ReadData accepted");
    VMUC_CHECK(EncodeData(*alone) == EncodeData(*value), "ReadData and DecodeData disagree");
  }

  // The fixed-field readers and the length forms, from the start.
  AxdrReader fields(input);
  (void)fields.ReadLength("length");
  (void)fields.ReadUint8("u8");
  (void)fields.ReadUint16("u16");
  (void)fields.ReadUint32("u32");
  (void)fields.ReadUint64("u64");
  if (auto count = fields.ReadLength("count"); count.ok()) {
    (void)fields.ReadBytes(*count, "bytes");
  }
  (void)fields.ExpectEnd("fields");
  return 0;
}
