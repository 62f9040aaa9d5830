/*
 * rocm_smi_check.c - our ROCm SMI declarations (src/lib/energy/rocm_smi_types.h) against AMD's
 * own header (Debian's librocm-smi-dev): every function the meter resolves has the type we call
 * it through, and every status code we name has AMD's value. Compiled by check_rocm_smi.sh;
 * built with -DCT_WRONG it must fail, which shows the checks bite.
 */
#include <rocm_smi/rocm_smi.h>

#include "energy/rocm_smi_types.h"

#define SAME_TYPE(fn, type)                                                                        \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), type),                            \
                   #fn " differs from " #type " in rocm_smi_types.h")
#define SAME_VALUE(ours, theirs) _Static_assert((ours) == (theirs), #ours " is not " #theirs)

SAME_TYPE(rsmi_init, ct_rsmi_init_fn);
SAME_TYPE(rsmi_shut_down, ct_rsmi_shut_down_fn);
SAME_TYPE(rsmi_num_monitor_devices, ct_rsmi_num_devices_fn);
SAME_TYPE(rsmi_status_string, ct_rsmi_status_string_fn);
SAME_TYPE(rsmi_dev_name_get, ct_rsmi_dev_name_fn);
SAME_TYPE(rsmi_dev_unique_id_get, ct_rsmi_dev_u64_fn);
SAME_TYPE(rsmi_dev_pci_id_get, ct_rsmi_dev_u64_fn);
SAME_TYPE(rsmi_dev_power_ave_get, ct_rsmi_power_ave_fn);
SAME_TYPE(rsmi_dev_energy_count_get, ct_rsmi_energy_count_fn);
SAME_TYPE(rsmi_compute_process_gpus_get, ct_rsmi_process_gpus_fn);

_Static_assert(sizeof(rsmi_status_t) == sizeof(ct_rsmi_status), "rsmi_status_t size");
SAME_VALUE(CT_RSMI_SUCCESS, RSMI_STATUS_SUCCESS);
SAME_VALUE(CT_RSMI_INVALID_ARGS, RSMI_STATUS_INVALID_ARGS);
SAME_VALUE(CT_RSMI_NOT_SUPPORTED, RSMI_STATUS_NOT_SUPPORTED);
SAME_VALUE(CT_RSMI_FILE_ERROR, RSMI_STATUS_FILE_ERROR);
SAME_VALUE(CT_RSMI_PERMISSION, RSMI_STATUS_PERMISSION);
SAME_VALUE(CT_RSMI_INIT_ERROR, RSMI_STATUS_INIT_ERROR);
SAME_VALUE(CT_RSMI_NOT_YET_IMPLEMENTED, RSMI_STATUS_NOT_YET_IMPLEMENTED);
SAME_VALUE(CT_RSMI_NOT_FOUND, RSMI_STATUS_NOT_FOUND);
SAME_VALUE(CT_RSMI_INSUFFICIENT_SIZE, RSMI_STATUS_INSUFFICIENT_SIZE);
SAME_VALUE(CT_RSMI_UNKNOWN_ERROR, RSMI_STATUS_UNKNOWN_ERROR);

#ifdef CT_WRONG
/* A plausible mistake: the energy count's resolution as a double. */
typedef ct_rsmi_status (*wrong_energy_fn)(uint32_t, uint64_t *, double *, uint64_t *);
SAME_TYPE(rsmi_dev_energy_count_get, wrong_energy_fn);
#endif

int main(void)
{
    return 0;
}
