#include "common/listen_address.h"

#include <gtest/gtest.h>

namespace vmuc {
namespace {

TEST(ListenAddressTest, LoopbackAndUnixSocketsAreAllowed) {
  EXPECT_TRUE(CheckListenAddress("127.0.0.1:50051").ok());
  EXPECT_TRUE(CheckListenAddress("127.1.2.3:1").ok());
  EXPECT_TRUE(CheckListenAddress("localhost:50051").ok());
  EXPECT_TRUE(CheckListenAddress("[::1]:50051").ok());
  EXPECT_TRUE(CheckListenAddress("unix:/run/vmuc/api.sock").ok());
}

TEST(ListenAddressTest, EverythingElseNeedsTls) {
  EXPECT_FALSE(CheckListenAddress("0.0.0.0:50051").ok());
  EXPECT_FALSE(CheckListenAddress("192.168.1.10:50051").ok());
  EXPECT_FALSE(CheckListenAddress("[::]:50051").ok());
  EXPECT_FALSE(CheckListenAddress("127.0.0.1").ok());
  EXPECT_FALSE(CheckListenAddress("127.0.0.1:99999").ok());
}

TEST(ListenAddressTest, TheOptInLiftsOnlyTheLoopbackRule) {
  EXPECT_TRUE(CheckListenAddress("0.0.0.0:50051", /*allow_non_loopback=*/true).ok());
  EXPECT_TRUE(CheckListenAddress("[::]:50051", /*allow_non_loopback=*/true).ok());
  EXPECT_FALSE(CheckListenAddress("0.0.0.0", /*allow_non_loopback=*/true).ok());
  EXPECT_FALSE(CheckListenAddress("0.0.0.0:70000", /*allow_non_loopback=*/true).ok());
}

}  // namespace
}  // namespace vmuc
