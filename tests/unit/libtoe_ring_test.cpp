// SPDX-License-Identifier: MIT
// libtoe's rings over plain memory: reserving and publishing requests,
// reading completions, the free-running u32 indices wrapping around, and
// the doorbell protocol (enter the kernel only when the engine sleeps).
#include "libtoe_fake_context.hpp"

#include <cerrno>
#include <gtest/gtest.h>

using toe::test::FakeContext;

namespace {

toe_cqe completion(uint64_t user_data, uint16_t type = TOE_CQE_REQ, int32_t res = 0)
{
	toe_cqe c{};
	c.user_data = user_data;
	c.type = type;
	c.res = res;
	return c;
}

toe_ring_offsets good_offsets() { return toe::test::fake_offsets(); }

} // namespace

TEST(LibtoeRing, MapRingAcceptsTheModulesLayout)
{
	auto mem = toe::test::fake_ring(8, sizeof(toe_sqe), 0);
	toe::detail::RingLayout l;
	ASSERT_EQ(toe::detail::map_ring(good_offsets(), mem.data(), mem.size(), sizeof(toe_sqe), &l), 0);
	EXPECT_EQ(l.size, 8u);
	EXPECT_EQ(l.mask, 7u);
	EXPECT_EQ(static_cast<void *>(l.tail), mem.data() + toe::test::kTailOff);
}

TEST(LibtoeRing, MapRingRejectsGeometryThatDoesNotFit)
{
	auto mem = toe::test::fake_ring(8, sizeof(toe_sqe), 0);
	toe::detail::RingLayout l;
	auto try_map = [&](toe_ring_offsets o, size_t len) {
		return toe::detail::map_ring(o, mem.data(), len, sizeof(toe_sqe), &l);
	};

	toe_ring_offsets o = good_offsets();
	o.head = 2; // misaligned
	EXPECT_EQ(try_map(o, mem.size()), -EPROTO);
	o = good_offsets();
	o.tail = uint32_t(mem.size()); // past the end
	EXPECT_EQ(try_map(o, mem.size()), -EPROTO);
	o = good_offsets();
	o.tail = o.head; // one word for both indices
	EXPECT_EQ(try_map(o, mem.size()), -EPROTO);
	// Entries that run past the mapping.
	EXPECT_EQ(try_map(good_offsets(), mem.size() - 1), -EPROTO);
	o = good_offsets();
	o.entries = 0xFFFFFFF8;
	EXPECT_EQ(try_map(o, mem.size()), -EPROTO);

	uint32_t bad = 6; // not a power of two
	std::memcpy(&mem[toe::test::kEntriesOff], &bad, 4);
	EXPECT_EQ(try_map(good_offsets(), mem.size()), -EPROTO);
	bad = 8;
	std::memcpy(&mem[toe::test::kEntriesOff], &bad, 4);
	bad = 3; // mask disagrees with the size
	std::memcpy(&mem[toe::test::kMaskOff], &bad, 4);
	EXPECT_EQ(try_map(good_offsets(), mem.size()), -EPROTO);
	bad = 0;
	std::memcpy(&mem[toe::test::kEntriesOff], &bad, 4);
	EXPECT_EQ(try_map(good_offsets(), mem.size()), -EPROTO);
}

TEST(LibtoeRing, AttachRejectsAPoolLargerThanItsMapping)
{
	FakeContext ctx(8, 16, 0, 4, 2048);
	ASSERT_EQ(ctx.attach_result, 0);
	toe::detail::ContextMemory mem;
	mem.doorbell = &ctx.db;
	mem.doorbell_len = sizeof(ctx.db);
	mem.sq = ctx.sq_mem.data();
	mem.sq_len = ctx.sq_mem.size();
	mem.cq = ctx.cq_mem.data();
	mem.cq_len = ctx.cq_mem.size();
	mem.anon = ctx.anon_mem.data();
	mem.anon_len = ctx.anon_mem.size() - 1;
	toe_handle h;
	EXPECT_EQ(toe::detail::attach_context(&h, ctx.setup, mem), -EPROTO);
	mem.anon_len = ctx.anon_mem.size();
	mem.doorbell_len = sizeof(toe_doorbell) - 1;
	EXPECT_EQ(toe::detail::attach_context(&h, ctx.setup, mem), -EPROTO);
}

TEST(LibtoeRing, RequestQueueFillsAtItsSize)
{
	FakeContext ctx(8);
	ASSERT_EQ(ctx.attach_result, 0);
	EXPECT_EQ(toe_sq_space_left(&ctx.h), 8u);
	for (int i = 0; i < 8; i++)
		ASSERT_NE(toe_get_sqe(&ctx.h), nullptr) << i;
	EXPECT_EQ(toe_get_sqe(&ctx.h), nullptr);
	EXPECT_EQ(toe_sq_space_left(&ctx.h), 0u);

	EXPECT_EQ(toe_submit(&ctx.h), 8);
	EXPECT_EQ(toe_get_sqe(&ctx.h), nullptr) << "published but not taken is still in use";
	ctx.sq_head() += 3;
	EXPECT_EQ(toe_sq_space_left(&ctx.h), 3u);
	EXPECT_NE(toe_get_sqe(&ctx.h), nullptr);
}

TEST(LibtoeRing, ReservedEntriesStayHiddenUntilSubmit)
{
	FakeContext ctx(8);
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	toe_prep_nop(toe_get_sqe(&ctx.h), 2);
	EXPECT_EQ(ctx.sq_tail(), 0u);
	EXPECT_EQ(toe_submit(&ctx.h), 2);
	EXPECT_EQ(ctx.sq_tail(), 2u);
	auto taken = ctx.engine_take_all();
	ASSERT_EQ(taken.size(), 2u);
	EXPECT_EQ(taken[0].user_data, 1u);
	EXPECT_EQ(taken[1].user_data, 2u);
	EXPECT_EQ(toe_submit(&ctx.h), 0) << "nothing new to publish";
}

TEST(LibtoeRing, RequestIndicesWrapAroundU32)
{
	const uint32_t start = 0xFFFFFFFAu;
	FakeContext ctx(8, 16, start);
	ASSERT_EQ(ctx.attach_result, 0);
	for (uint64_t round = 0; round < 4; round++) {
		for (uint64_t i = 0; i < 8; i++) {
			toe_sqe *sqe = toe_get_sqe(&ctx.h);
			ASSERT_NE(sqe, nullptr);
			toe_prep_nop(sqe, round * 8 + i);
		}
		ASSERT_EQ(toe_get_sqe(&ctx.h), nullptr);
		ASSERT_EQ(toe_submit(&ctx.h), 8);
		EXPECT_EQ(ctx.sq_tail(), uint32_t(start + (round + 1) * 8));
		auto taken = ctx.engine_take_all();
		ASSERT_EQ(taken.size(), 8u);
		for (uint64_t i = 0; i < 8; i++)
			EXPECT_EQ(taken[i].user_data, round * 8 + i);
	}
}

TEST(LibtoeRing, AnEngineHeadAheadOfOurTailCountsAsFull)
{
	FakeContext ctx(8);
	ctx.sq_head() = 5; // claims to have read entries never published
	EXPECT_EQ(toe_get_sqe(&ctx.h), nullptr);
	EXPECT_EQ(toe_sq_space_left(&ctx.h), 0u);
}

TEST(LibtoeDoorbell, NoSyscallWhileTheEngineIsAwake)
{
	FakeContext ctx;
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	// The fd is /dev/null: entering the kernel would fail with -ENOTTY.
	EXPECT_EQ(toe_submit(&ctx.h), 1);
	EXPECT_EQ(toe_socket(&ctx.h, TOE_PROTO_TCP, 2), 0);
	EXPECT_EQ(ctx.sq_tail(), 2u);
}

TEST(LibtoeDoorbell, ASleepingEngineIsKicked)
{
	FakeContext ctx;
	ctx.db.flags = TOE_DB_NEED_WAKEUP;
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	EXPECT_EQ(toe_submit(&ctx.h), -ENOTTY) << "libtoe must have issued TOE_IOC_ENTER";
	EXPECT_EQ(ctx.sq_tail(), 1u) << "the entry is published before the kick";
	EXPECT_EQ(toe_socket(&ctx.h, TOE_PROTO_UDP, 2), -ENOTTY);
	EXPECT_EQ(ctx.sq_tail(), 2u);
}

TEST(LibtoeDoorbell, NothingToPublishMeansNoKick)
{
	FakeContext ctx;
	ctx.db.flags = TOE_DB_NEED_WAKEUP;
	EXPECT_EQ(toe_submit(&ctx.h), 0);
}

TEST(LibtoeDoorbell, OtherFlagsDoNotKick)
{
	FakeContext ctx;
	ctx.db.flags = TOE_DB_DETACHED;
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	EXPECT_EQ(toe_submit(&ctx.h), 1);
}

TEST(LibtoeCompletion, PeekSeenInOrder)
{
	FakeContext ctx;
	toe_cqe *cqe = nullptr;
	EXPECT_EQ(toe_peek_cqe(&ctx.h, &cqe), -EAGAIN);
	EXPECT_EQ(toe_cq_ready(&ctx.h), 0u);

	ctx.engine_post(completion(10));
	ctx.engine_post(completion(11));
	EXPECT_EQ(toe_cq_ready(&ctx.h), 2u);
	ASSERT_EQ(toe_peek_cqe(&ctx.h, &cqe), 0);
	EXPECT_EQ(cqe->user_data, 10u);
	ASSERT_EQ(toe_peek_cqe(&ctx.h, &cqe), 0);
	EXPECT_EQ(cqe->user_data, 10u) << "peek does not consume";
	toe_cqe_seen(&ctx.h, cqe);
	EXPECT_EQ(ctx.cq_head(), 1u) << "the engine sees the slot freed";
	ASSERT_EQ(toe_peek_cqe(&ctx.h, &cqe), 0);
	EXPECT_EQ(cqe->user_data, 11u);
	toe_cqe_seen(&ctx.h, cqe);
	EXPECT_EQ(toe_peek_cqe(&ctx.h, &cqe), -EAGAIN);
}

TEST(LibtoeCompletion, IndicesWrapAroundU32)
{
	const uint32_t start = 0xFFFFFFF0u;
	FakeContext ctx(8, 16, start);
	for (uint64_t i = 0; i < 40; i++) {
		ctx.engine_post(completion(i));
		toe_cqe *cqe;
		ASSERT_EQ(toe_peek_cqe(&ctx.h, &cqe), 0);
		EXPECT_EQ(cqe->user_data, i);
		toe_cqe_seen(&ctx.h, cqe);
		EXPECT_EQ(ctx.cq_head(), uint32_t(start + i + 1));
	}
}

TEST(LibtoeCompletion, BatchPeekAndAdvance)
{
	FakeContext ctx(8, 16, 0xFFFFFFFEu);
	for (uint64_t i = 0; i < 5; i++)
		ctx.engine_post(completion(i));
	toe_cqe *cqes[8];
	ASSERT_EQ(toe_peek_batch_cqe(&ctx.h, cqes, 3), 3u);
	for (uint64_t i = 0; i < 3; i++)
		EXPECT_EQ(cqes[i]->user_data, i);
	toe_cq_advance(&ctx.h, 3);
	ASSERT_EQ(toe_peek_batch_cqe(&ctx.h, cqes, 8), 2u);
	EXPECT_EQ(cqes[0]->user_data, 3u);
	toe_cq_advance(&ctx.h, 100); // more than ready: only what is there
	EXPECT_EQ(toe_cq_ready(&ctx.h), 0u);
	EXPECT_EQ(ctx.cq_head(), ctx.cq_tail());
}

TEST(LibtoeCompletion, ATailRunningAwayIsClampedToTheRing)
{
	FakeContext ctx(8, 16);
	ctx.cq_tail() = 1000;
	EXPECT_EQ(toe_cq_ready(&ctx.h), 16u);
}

TEST(LibtoeCompletion, WaitReturnsAReadyCompletionWithoutEnteringTheKernel)
{
	FakeContext ctx;
	ctx.engine_post(completion(5));
	toe_cqe *cqe = nullptr;
	ASSERT_EQ(toe_wait_cqe(&ctx.h, &cqe, -1), 0);
	EXPECT_EQ(cqe->user_data, 5u);
}

TEST(LibtoeCompletion, WaitWithZeroTimeoutOnlyLooks)
{
	FakeContext ctx;
	toe_cqe *cqe = nullptr;
	EXPECT_EQ(toe_wait_cqe(&ctx.h, &cqe, 0), -ETIME);
}

TEST(LibtoeCompletion, WaitOnAnEmptyQueueSleepsInTheKernelArmed)
{
	FakeContext ctx;
	ctx.h.spin = false;
	toe_cqe *cqe = nullptr;
	// The fake fd refuses TOE_IOC_ENTER: the error shows libtoe tried.
	EXPECT_EQ(toe_wait_cqe(&ctx.h, &cqe, -1), -ENOTTY);
	EXPECT_EQ(ctx.db.cq_armed, 0u) << "disarmed after the sleep";
}

TEST(LibtoeCompletion, WaitThatSpinsFirstStillSleepsWhenNothingComes)
{
	FakeContext ctx;
	ctx.h.spin_us = 1;
	toe_cqe *cqe = nullptr;
	EXPECT_EQ(toe_wait_cqe(&ctx.h, &cqe, -1), -ENOTTY);
}

TEST(LibtoeCompletion, WaitDoesNotPollWhileTheSleepingEngineServesWaiters)
{
	FakeContext ctx;
	ctx.h.spin_us = 1;
	ctx.db.flags = TOE_DB_NEED_WAKEUP | TOE_DB_SERVES_WAITERS;
	toe_cqe *cqe = nullptr;
	EXPECT_EQ(toe_wait_cqe(&ctx.h, &cqe, -1), -ENOTTY);
	EXPECT_EQ(ctx.h.spin_misses, 0u) << "went to the kernel without a spin";
	// Awake, or in wait mode "thread", the engine makes polling pay again.
	ctx.db.flags = TOE_DB_NEED_WAKEUP;
	EXPECT_EQ(toe_wait_cqe(&ctx.h, &cqe, -1), -ENOTTY);
	EXPECT_EQ(ctx.h.spin_misses, 1u) << "spun first";
}

TEST(LibtoeCompletion, SubmitAndWaitOnAPollingEngineNeedsNoSystemCall)
{
	FakeContext ctx;
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	ctx.engine_post(completion(1));
	toe_cqe *cqe = nullptr;
	// The fake fd refuses TOE_IOC_ENTER: success means none was issued.
	ASSERT_EQ(toe_submit_and_wait(&ctx.h, &cqe, -1), 0);
	EXPECT_EQ(cqe->user_data, 1u);
	EXPECT_EQ(ctx.sq_tail(), 1u) << "published";
}

TEST(LibtoeCompletion, SubmitAndWaitOnASleepingEngineEntersTheKernel)
{
	FakeContext ctx;
	ctx.db.flags = TOE_DB_NEED_WAKEUP;
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	toe_cqe *cqe = nullptr;
	EXPECT_EQ(toe_submit_and_wait(&ctx.h, &cqe, -1), -ENOTTY);
	EXPECT_EQ(ctx.sq_tail(), 1u) << "published before the kick";
}

TEST(LibtoeCompletion, SubmitAndWaitKicksASleepingEngineEvenWhenACompletionIsReady)
{
	FakeContext ctx;
	ctx.db.flags = TOE_DB_NEED_WAKEUP;
	ctx.engine_post(completion(9));
	toe_prep_nop(toe_get_sqe(&ctx.h), 1);
	toe_cqe *cqe = nullptr;
	// The wait ends at once; the new request must not be stranded.
	EXPECT_EQ(toe_submit_and_wait(&ctx.h, &cqe, -1), -ENOTTY);
}

TEST(LibtoeCompletion, SubmitAndWaitWithNothingReservedOnlyWaits)
{
	FakeContext ctx;
	ctx.db.flags = TOE_DB_NEED_WAKEUP;
	ctx.engine_post(completion(3));
	toe_cqe *cqe = nullptr;
	ASSERT_EQ(toe_submit_and_wait(&ctx.h, &cqe, -1), 0);
	EXPECT_EQ(cqe->user_data, 3u);
}

TEST(LibtoeCompletion, ArmSetsTheFlagAndCountsWhatIsReady)
{
	FakeContext ctx;
	EXPECT_EQ(toe_cq_arm(&ctx.h), 0);
	EXPECT_EQ(ctx.db.cq_armed, 1u);
	ctx.engine_post(completion(1));
	EXPECT_EQ(toe_cq_arm(&ctx.h), 1);
}
