"""End-to-end: the test kernel image (semihosting exit, ktest hooks) for
kernel exceptions and the QEMU runner's exit-status plumbing."""

import re

import qemu

PANIC_EXIT_STATUS = 101


def run(test_image, ktest, **options):
    result = qemu.run_image(test_image, timeout=60, semihosting=True,
                            append=f"ktest={ktest}", **options)
    assert not result.timed_out, result.output
    return result


def assert_register_dump(output, vector, ec, ec_name):
    assert f"*** {vector} exception on core 0 ***" in output
    assert re.search(rf"ESR  0x[0-9a-f]{{16}}  EC 0x{ec:02x} {re.escape(ec_name)}", output), output
    assert re.search(r"FAR  0x[0-9a-f]{16}  ELR 0xffff0000[0-9a-f]{8}  SPSR 0x[0-9a-f]{8}", output)
    assert re.search(r"SP   0xffff0000[0-9a-f]{8}", output)
    for reg in range(31):
        assert re.search(rf"\bx{reg}\s+0x[0-9a-f]{{16}}", output), f"x{reg} missing"
    assert "KERNEL PANIC on core 0:" in output
    assert output.rstrip().endswith("System halted.")


def test_undefined_instruction_in_el1_dumps_registers_and_exits_nonzero(test_image):
    result = run(test_image, "undef")
    assert result.status == PANIC_EXIT_STATUS, result.output
    assert_register_dump(result.output, "EL1h synchronous", 0x00,
                         "unknown reason (undefined instruction)")


def test_data_abort_in_el1_is_decoded(test_image):
    result = run(test_image, "dabort")
    assert result.status == PANIC_EXIT_STATUS, result.output
    assert_register_dump(result.output, "EL1h synchronous", 0x25, "data abort (same EL)")
    assert "translation fault at level 1 on read" in result.output
    assert "FAR  0xffff000180000000" in result.output


def test_kernel_text_is_read_only(test_image):
    result = run(test_image, "wtext")
    assert result.status == PANIC_EXIT_STATUS, result.output
    assert_register_dump(result.output, "EL1h synchronous", 0x25, "data abort (same EL)")
    assert "permission fault at level 3 on write" in result.output


def test_brk_in_el1_is_reported(test_image):
    result = run(test_image, "brk")
    assert result.status == PANIC_EXIT_STATUS
    assert_register_dump(result.output, "EL1h synchronous", 0x3c, "BRK instruction (AArch64)")
    assert "ISS 0x0000042" in result.output


def test_semihosting_exit_status_reaches_the_host(test_image):
    assert run(test_image, "exit:7").status == 7
    assert run(test_image, "exit:0").status == 0


def test_unknown_ktest_is_rejected(test_image):
    result = run(test_image, "no-such-test")
    assert result.status == 2
    assert "ktest: unknown or failed test 'no-such-test'" in result.output


def test_test_image_ticks_then_exits_cleanly(test_image):
    result = run(test_image, "ticks:3", icount=True)
    assert result.status == 0, result.output
    assert [int(n) for n in re.findall(r"tick (\d+):", result.output)] == [1, 2, 3]
    assert "KERNEL PANIC" not in result.output


def test_runner_kills_an_image_that_never_exits(release_image):
    result = qemu.run_image(release_image, timeout=3)
    assert result.timed_out
    assert result.status == qemu.TIMEOUT_STATUS
    assert "LakeOS 0.1.0" in result.output
