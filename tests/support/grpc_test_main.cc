// The main() of every GoogleTest binary that links gRPC, in place of
// gtest_main. Tests create and destroy servers and channels one after
// another; without an initialisation held for the whole process, gRPC shuts
// itself down each time its last object goes, racing its own callback
// threads that are still finishing calls, and initialises again for the next
// test (seen as crashes on a busy machine). It is never shut down: the
// process ends first.
#include <grpc/grpc.h>

#include "gtest/gtest.h"

int main(int argc, char** argv) {
  grpc_init();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
