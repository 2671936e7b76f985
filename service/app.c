/* placeholder until the service wiring lands */ typedef int liq_placeholder;
