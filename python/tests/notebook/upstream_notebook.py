# A notebook written for upstream carbontracker 2.3 (its README and docs/parsing.md), cell by
# cell, unchanged: track a short "training", read the logs back, aggregate, write the report.
# test_notebook.py runs it against this package.

# In[1]:
import time

from carbontracker.tracker import CarbonTracker
from carbontracker import parser
from carbontracker.report import generate_report_from_log

max_epochs = 3

# In[2]:
tracker = CarbonTracker(epochs=max_epochs, log_dir="./logs/", epochs_before_pred=1,
                        sim_gpu="Tesla T4", sim_gpu_watts=70, sim_gpu_util=0.5)

for epoch in range(max_epochs):
    tracker.epoch_start()
    time.sleep(0.2)  # train_one_epoch()
    tracker.epoch_end()

tracker.stop()

# In[3]:
logs = parser.parse_all_logs(log_dir="./logs/")
first_log = logs[0]

print(f"Output file name: {first_log['output_filename']}")
print(f"Standard file name: {first_log['standard_filename']}")
print(f"Stopped early: {first_log['early_stop']}")
print(f"Measured consumption: {first_log['actual']}")
print(f"Predicted consumption: {first_log['pred']}")
print(f"Measured GPU devices: {first_log['components']['gpu']['devices']}")

# In[4]:
parser.print_aggregate(log_dir="./logs/")

# In[5]:
generate_report_from_log(first_log["standard_filename"], "carbon_report.pdf")
